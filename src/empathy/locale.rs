//! Word lists and phrasings, one table per language. Everything language-specific that
//! the detectors, the greeting and the lint need lives here, so a new language is one
//! new table. Phrases are matched lower-cased, on word boundaries.

use crate::domain::Lang;

pub struct Locale {
    pub lang: Lang,
    /// Words a reply's first line may start with.
    pub greetings: &'static [&'static str],
    /// Gratitude.
    pub thanks: &'static [&'static str],
    /// An apology for the wait (check 4). Nothing else counts as one.
    pub delay_apology: &'static [&'static str],
    /// First-person commitments (check 8).
    pub ownership: &'static [&'static str],
    /// First-person understanding (check 7).
    pub understanding: &'static [&'static str],
    /// Sympathy and dismissive phrases that are always wrong (check 7).
    pub banned_sympathy: &'static [&'static str],
    /// Words that attribute an emotion to the reader (check 7, for calm mail).
    pub emotion_words: &'static [&'static str],
    /// Sending the customer elsewhere (check 9).
    pub deflection: &'static [&'static str],
    /// A hand-off where we stay responsible (check 9).
    pub handoff: &'static [&'static str],
    /// Discouraging contact (check 10).
    pub discouraging: &'static [&'static str],
    /// Inviting a reply (check 10).
    pub reply_invite: &'static [&'static str],
    /// Saying when (check 11).
    pub time_phrases: &'static [&'static str],
    /// Promises nobody can keep (check 11).
    pub unconditional: &'static [&'static str],
    /// Follow-up or check at the end (check 12).
    pub followup: &'static [&'static str],
    /// Sentence openers read as impolite (check 13).
    pub impolite_openers: &'static [&'static str],
    /// Bare imperatives at the start of a sentence (check 13).
    pub imperatives: &'static [&'static str],
    /// Cheerful openers wrong for an upset customer (check 14).
    pub cheerful: &'static [&'static str],
    /// Closing words before a sign-off name ("Best,\nJane").
    pub closings: &'static [&'static str],
    /// Register signals.
    pub formal_greetings: &'static [&'static str],
    pub casual_greetings: &'static [&'static str],
    pub very_casual_greetings: &'static [&'static str],
    pub formal_closings: &'static [&'static str],
    pub semi_formal_closings: &'static [&'static str],
    pub casual_closings: &'static [&'static str],
    pub formal_words: &'static [&'static str],
    pub slang: &'static [&'static str],
    /// Polite (V) and familiar (T) pronouns; empty for English.
    pub v_pronouns: &'static [&'static str],
    pub t_pronouns: &'static [&'static str],
    /// V pronouns that only count when capitalised mid-sentence (German Sie, Italian Lei).
    pub v_capitalised: bool,
    /// Multi-word or verb forms that show V or T (matched as phrases).
    pub v_phrases: &'static [&'static str],
    pub t_phrases: &'static [&'static str],
    /// Words that introduce an order or invoice number.
    pub order_words: &'static [&'static str],
    pub invoice_words: &'static [&'static str],
    pub error_words: &'static [&'static str],
    /// "zero" to "twelve".
    pub numbers: [&'static str; 13],
    pub hour: (&'static str, &'static str),
    pub day: (&'static str, &'static str),
    pub week: (&'static str, &'static str),
    pub minute: (&'static str, &'static str),
    /// "within {n} business days/hours" (`{n}` and `{unit}` are replaced).
    pub within: &'static str,
    pub business_day: (&'static str, &'static str),
    pub business_hour: (&'static str, &'static str),
    /// The singular phrases whole, since "one" agrees with its noun in most languages.
    pub within_one: (&'static str, &'static str),
    /// Thank-you-only messages ("thanks, that worked!").
    pub thank_you_only: &'static [&'static str],
    /// Stop words for telling languages apart when the statistical detector is unsure.
    pub stop_words: &'static [&'static str],
}

pub fn locale(lang: Lang) -> &'static Locale {
    match lang {
        Lang::En => &EN,
        Lang::De => &DE,
        Lang::Fr => &FR,
        Lang::Es => &ES,
        Lang::It => &IT,
        Lang::Nl => &NL,
        Lang::Pt => &PT,
    }
}

impl Locale {
    pub fn number(&self, n: i64) -> String {
        if (0..=12).contains(&n) {
            self.numbers[n as usize].to_string()
        } else {
            n.to_string()
        }
    }

    /// A wait as a customer would say it: "three days", "five hours".
    pub fn wait(&self, calendar_secs: i64) -> String {
        let hours = (calendar_secs + 1800) / 3600;
        let days = (calendar_secs + 43_200) / 86_400;
        let weeks = (calendar_secs + 302_400) / 604_800;
        let (n, unit) = if calendar_secs < 3600 {
            let m = (calendar_secs / 60).max(1);
            (m, if m == 1 { self.minute.0 } else { self.minute.1 })
        } else if hours < 48 {
            (hours, if hours == 1 { self.hour.0 } else { self.hour.1 })
        } else if days < 21 {
            (days, if days == 1 { self.day.0 } else { self.day.1 })
        } else {
            (weeks, if weeks == 1 { self.week.0 } else { self.week.1 })
        };
        format!("{} {}", self.number(n), unit)
    }

    /// "within one business day", "within four business hours".
    pub fn within_business(&self, secs: i64, business_day_secs: i64) -> String {
        if secs >= business_day_secs && secs % business_day_secs == 0 {
            let n = secs / business_day_secs;
            if n == 1 {
                return self.within_one.0.to_string();
            }
            return self.within.replace("{n}", &self.number(n)).replace("{unit}", self.business_day.1);
        }
        let n = ((secs + 1800) / 3600).max(1);
        if n == 1 {
            return self.within_one.1.to_string();
        }
        self.within.replace("{n}", &self.number(n)).replace("{unit}", self.business_hour.1)
    }
}

pub static EN: Locale = Locale {
    lang: Lang::En,
    greetings: &["dear", "hello", "hi", "hey", "good morning", "good afternoon", "good evening", "good day", "greetings"],
    thanks: &["thank you", "thanks", "grateful", "appreciate"],
    delay_apology: &[
        "sorry for the wait", "sorry for the delay", "sorry that it took", "sorry it took",
        "apologize for the delay", "apologise for the delay", "apologize for the wait",
        "apologise for the wait", "apologies for the delay", "apologies for the wait",
        "apologize that it took", "apologise that it took", "sorry to keep you waiting",
        "sorry for keeping you waiting", "sorry we kept you waiting", "sorry for the late",
        "apologies for the late", "apologize for the late", "apologise for the late",
        "sorry that we kept you waiting", "apologize for keeping you waiting", "apologise for keeping you waiting",
        "apologies that it took", "my apologies for the delay", "my apologies that it took",
    ],
    ownership: &[
        "i am working", "i'm working", "i will", "i'll", "i am looking", "i'm looking", "i have taken",
        "i've taken", "i am taking", "i'm taking", "i am on it", "i'm on it", "i will make sure",
        "i am making sure", "i'm making sure", "i have started", "i've started", "i am checking", "i'm checking",
        "i personally", "i have passed", "i am following", "i'm following", "i have asked", "i've asked",
    ],
    understanding: &[
        "i understand how frustrating", "i understand how annoying", "i understand how upsetting",
        "i understand how stressful", "i understand how disappointing", "i understand how inconvenient",
        "i understand that this is frustrating", "i understand this is frustrating",
        "i understand why you are frustrated", "i understand why you're frustrated",
        "i understand how much", "i can understand how frustrating", "i understand how worrying",
        "i understand how difficult",
    ],
    banned_sympathy: &[
        "it must be frustrating", "must be frustrating", "i know how you feel", "calm down",
        "as i already said", "as i said before", "as previously stated", "as already mentioned",
        "as i already mentioned", "you should have", "obviously", "relax",
    ],
    emotion_words: &[
        "frustrat", "upset", "annoy", "angry", "disappoint", "worried", "stressful", "stressed", "inconvenien",
        "unhappy", "irritat",
    ],
    deflection: &[
        "please contact", "you need to contact", "you will need to contact", "you should contact",
        "you have to contact", "reach out to", "get in touch with our", "get in touch with the",
        "contact your", "contact the ", "not our responsibility", "not responsible for",
    ],
    handoff: &[
        "will contact you", "will get in touch with you", "will follow up", "will get back to you",
        "will reach out to you", "i have passed", "i've passed", "i have asked", "i've asked",
        "will be in touch",
    ],
    discouraging: &[
        "do not reply", "don't reply", "no need to contact", "no need to reply", "not monitored",
        "only contact us if", "only reply if", "do not respond", "don't respond", "unmonitored",
        "no-reply", "noreply",
    ],
    reply_invite: &[
        "reply to this", "just reply", "simply reply", "reply here", "write back", "reply to me",
        "let me know", "tell me", "get in touch", "you can reply", "feel free to reply", "reply and",
    ],
    time_phrases: &[
        "within", "business day", "working day", "hours", "by tomorrow", "tomorrow", "today",
        "by the end of", "by monday", "by tuesday", "by wednesday", "by thursday", "by friday",
        "this week", "next week", "minutes",
    ],
    unconditional: &["immediately", "guarantee", "guaranteed", "right away", "instantly", "100%", "promise you", "at once"],
    followup: &[
        "i'll update you", "i will update you", "i'll keep you", "i will keep you", "i'll let you know",
        "i will let you know", "anything else", "is there anything", "how did it go", "let me know if",
        "let me know how", "what would have made", "i'll follow up", "i will follow up", "i'll be in touch",
        "i will be in touch", "i'll write", "i will write",
    ],
    impolite_openers: &["so", "actually", "in fact", "basically", "obviously"],
    imperatives: &[
        "send", "provide", "give", "check", "make sure", "ensure", "fill", "read", "see", "try", "restart",
        "call", "do", "don't", "stop", "wait", "go", "click", "follow", "attach", "tell", "note",
    ],
    cheerful: &["great news", "awesome", "yay", "woohoo", "good news", "fantastic", "amazing", "exciting", "happy to hear"],
    closings: &[
        "best", "best regards", "kind regards", "regards", "warm regards", "thanks", "thank you", "cheers",
        "sincerely", "yours sincerely", "yours faithfully", "yours", "many thanks", "thanks in advance",
        "thank you in advance", "best wishes", "all the best", "respectfully", "thx", "ta", "love",
        "warmly", "take care", "br", "rgds",
    ],
    formal_greetings: &["dear", "good morning", "good afternoon", "good evening", "to whom it may concern"],
    casual_greetings: &["hi"],
    very_casual_greetings: &["hey", "hiya", "yo", "heya", "sup"],
    formal_closings: &[
        "yours sincerely", "yours faithfully", "sincerely", "respectfully", "yours truly", "with kind regards",
    ],
    semi_formal_closings: &["kind regards", "best regards", "regards", "warm regards", "many thanks", "thank you in advance", "with thanks"],
    casual_closings: &["cheers", "thx", "ta", "love", "xx", "xoxo", "later", "ttyl", "peace", "see ya", "thanks!", "cya"],
    formal_words: &[
        "kindly", "i would be grateful", "i would appreciate", "would you be so kind", "please find",
        "hereby", "regarding", "furthermore", "therefore", "i am writing to", "i would like to inquire",
        "at your earliest convenience", "please be advised", "i remain",
    ],
    slang: &[
        "lol", "lmao", "omg", "btw", "pls", "plz", "thx", "ty", "gonna", "wanna", "gotta", "u", "ur", "cuz",
        "haha", "hahaha", "yeah", "yep", "nope", "kinda", "sorta", "dunno", "idk", "tbh", "imo", "fyi", "wtf",
        "ok ok", "y'all", "ain't", "awesome", "cool", "sucks", "crap", "dude", "mate",
    ],
    v_pronouns: &[],
    t_pronouns: &[],
    v_capitalised: false,
    v_phrases: &[],
    t_phrases: &[],
    order_words: &["order", "order number", "order no", "order no.", "order id", "purchase", "booking", "reservation"],
    invoice_words: &["invoice", "invoice number", "invoice no", "invoice no.", "bill", "receipt"],
    error_words: &["error", "error message", "error code", "exception", "message"],
    numbers: ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve"],
    hour: ("hour", "hours"),
    day: ("day", "days"),
    week: ("week", "weeks"),
    minute: ("minute", "minutes"),
    within: "within {n} {unit}",
    business_day: ("business day", "business days"),
    business_hour: ("business hour", "business hours"),
    within_one: ("within one business day", "within one business hour"),
    thank_you_only: &[
        "thanks", "thank you", "thank you so much", "thanks a lot", "many thanks", "thx", "ty", "cheers",
        "that worked", "it works", "it worked", "works now", "all good", "perfect", "great", "solved",
        "problem solved", "that fixed it", "fixed", "awesome", "brilliant", "much appreciated", "ok", "okay",
        "got it", "that helped", "sorted", "all sorted", "you're the best", "wonderful", "excellent",
        "it's working now", "working now", "that did it", "that did the trick", "super",
    ],
    stop_words: &[
        "the", "and", "is", "are", "was", "my", "your", "you", "have", "has", "with", "for", "this", "that",
        "not", "please", "thanks", "hello", "hi", "would", "could", "can", "it", "of", "to", "order", "i",
    ],
};

pub static DE: Locale = Locale {
    lang: Lang::De,
    greetings: &[
        "sehr geehrte", "sehr geehrter", "guten tag", "hallo", "liebe", "lieber", "moin", "hi", "guten morgen",
        "servus", "grüß gott", "hey",
    ],
    thanks: &["danke", "vielen dank", "herzlichen dank", "dankeschön", "dank für", "bedanke", "dankbar"],
    delay_apology: &[
        "entschuldigen sie die verzögerung", "entschuldige die verzögerung", "entschuldigen sie bitte die verzögerung",
        "bitte entschuldigen sie die verzögerung", "bitte entschuldige die verzögerung", "entschuldigen sie die wartezeit",
        "entschuldige die wartezeit", "entschuldigen sie, dass sie", "entschuldige, dass du",
        "tut mir leid, dass sie", "tut mir leid, dass du", "es tut mir leid, dass", "tut mir leid, dass es",
        "entschuldigung für die verzögerung", "entschuldigung für die wartezeit", "verzeihen sie die verzögerung",
        "bitte entschuldigen sie, dass", "bitte entschuldige, dass", "entschuldigen sie die späte", "entschuldige die späte",
        "warten lassen", "so lange gedauert",
    ],
    ownership: &[
        "ich kümmere mich", "ich werde", "ich arbeite", "ich sehe mir", "ich schaue mir", "ich kläre",
        "ich habe ihr", "ich habe dein", "ich habe mich", "ich prüfe", "ich bleibe", "ich melde mich",
        "ich übernehme", "ich sorge", "ich nehme mich", "ich bin dran", "ich gehe", "ich habe bereits",
    ],
    understanding: &[
        "ich verstehe, wie ärgerlich", "ich verstehe, wie frustrierend", "ich verstehe gut, wie ärgerlich",
        "ich verstehe gut, wie frustrierend", "ich kann gut verstehen, wie ärgerlich", "ich kann verstehen, wie ärgerlich",
        "ich verstehe, dass das ärgerlich", "ich verstehe, dass dies ärgerlich", "ich verstehe, wie belastend",
        "ich verstehe, wie unangenehm", "ich verstehe, wie enttäuschend", "ich verstehe ihren ärger",
        "ich verstehe deinen ärger", "ich verstehe, wie lästig",
    ],
    banned_sympathy: &[
        "das muss frustrierend sein", "muss frustrierend sein", "das muss ärgerlich sein", "muss ärgerlich sein",
        "ich weiß, wie sie sich fühlen", "ich weiß, wie du dich fühlst", "beruhigen sie sich", "beruhige dich",
        "wie bereits gesagt", "wie schon gesagt", "wie bereits erwähnt", "wie ich bereits sagte", "offensichtlich",
    ],
    emotion_words: &["ärger", "frustr", "verärgert", "enttäusch", "sorge", "besorgt", "verunsichert", "wütend", "genervt", "unangenehm", "belastend"],
    deflection: &[
        "wenden sie sich bitte an", "wende dich bitte an", "wenden sie sich an", "wende dich an",
        "kontaktieren sie bitte", "kontaktiere bitte", "kontaktieren sie", "kontaktiere", "müssen sie sich an",
        "musst du dich an", "nicht zuständig", "nicht unsere aufgabe",
    ],
    handoff: &[
        "wird sich bei ihnen melden", "wird sich bei dir melden", "meldet sich bei ihnen", "meldet sich bei dir",
        "ich habe", "ich melde mich", "werde mich", "wird ihnen antworten", "wird dir antworten",
    ],
    discouraging: &[
        "nicht antworten", "antworten sie nicht", "antworte nicht", "wird nicht gelesen", "nicht überwacht",
        "nur melden, wenn", "nur wenn", "keine antwort nötig", "bitte nicht auf diese", "no-reply", "noreply",
    ],
    reply_invite: &[
        "antworten sie einfach", "antworte einfach", "auf diese e-mail antworten", "auf diese nachricht antworten",
        "antworten sie gern", "antworte gern", "schreiben sie mir", "schreib mir", "melden sie sich",
        "melde dich", "lassen sie es mich wissen", "lass es mich wissen", "antworten", "antworte",
    ],
    time_phrases: &[
        "innerhalb", "werktag", "arbeitstag", "stunden", "bis morgen", "morgen", "heute", "bis ende",
        "bis montag", "bis dienstag", "bis mittwoch", "bis donnerstag", "bis freitag", "diese woche",
        "nächste woche", "minuten", "arbeitsstunde",
    ],
    unconditional: &["sofort", "garantiert", "garantie", "umgehend", "unverzüglich", "auf jeden fall", "100 %", "100%"],
    followup: &[
        "ich halte sie", "ich halte dich", "ich melde mich", "gibt es noch etwas", "kann ich sonst noch",
        "haben sie noch fragen", "hast du noch fragen", "sonst noch etwas", "wie ist es gelaufen",
        "hat es geklappt", "ich informiere sie", "ich informiere dich", "was hätte", "ich gebe ihnen bescheid",
        "ich gebe dir bescheid", "gibt es etwas",
    ],
    impolite_openers: &["also", "eigentlich", "tatsächlich", "in der tat", "offensichtlich"],
    imperatives: &["schicken sie", "senden sie", "schick", "sende", "prüfen sie", "prüf", "lesen sie", "lies", "machen sie", "mach"],
    cheerful: &["tolle neuigkeiten", "super", "juhu", "großartig", "fantastisch", "gute nachrichten", "klasse"],
    closings: &[
        "mit freundlichen grüßen", "freundliche grüße", "viele grüße", "beste grüße", "liebe grüße", "grüße",
        "gruß", "lg", "vg", "mfg", "danke", "vielen dank", "herzliche grüße", "schöne grüße", "bis bald",
        "ciao", "tschüss", "hochachtungsvoll", "mit besten grüßen", "danke und grüße",
    ],
    formal_greetings: &["sehr geehrte", "sehr geehrter", "sehr geehrtes", "guten morgen"],
    casual_greetings: &["hallo", "hi"],
    very_casual_greetings: &["hey", "moin", "servus", "hallöchen", "hey du", "na"],
    formal_closings: &["mit freundlichen grüßen", "hochachtungsvoll", "mit besten grüßen", "mfg", "freundliche grüße"],
    semi_formal_closings: &["beste grüße"],
    casual_closings: &["lg", "liebe grüße", "bis bald", "ciao", "tschüss", "cheers", "bussi", "hdl", "gruß"],
    formal_words: &[
        "ich bitte", "würden sie", "könnten sie bitte", "bezüglich", "hiermit", "des weiteren", "ich wäre ihnen dankbar",
        "ich möchte sie bitten", "anbei", "beigefügt", "ich erlaube mir",
    ],
    slang: &["lol", "omg", "krass", "geil", "alter", "digga", "bissl", "nö", "jo", "yo", "haha", "hahaha", "thx", "plz", "egal", "mega"],
    v_pronouns: &["sie", "ihnen", "ihr", "ihre", "ihrem", "ihren", "ihrer", "ihres"],
    t_pronouns: &["du", "dich", "dir", "dein", "deine", "deinem", "deinen", "deiner", "deines", "euch", "euer", "eure"],
    v_capitalised: true,
    v_phrases: &["können sie", "würden sie", "haben sie", "sind sie"],
    t_phrases: &[],
    order_words: &["bestellung", "bestellnummer", "auftrag", "auftragsnummer", "bestell-nr", "bestell-nr.", "buchung"],
    invoice_words: &["rechnung", "rechnungsnummer", "rechnungs-nr", "rechnungs-nr.", "beleg", "quittung"],
    error_words: &["fehler", "fehlermeldung", "fehlercode", "meldung"],
    numbers: ["null", "eins", "zwei", "drei", "vier", "fünf", "sechs", "sieben", "acht", "neun", "zehn", "elf", "zwölf"],
    hour: ("Stunde", "Stunden"),
    day: ("Tag", "Tage"),
    week: ("Woche", "Wochen"),
    minute: ("Minute", "Minuten"),
    within: "innerhalb von {n} {unit}",
    business_day: ("Werktag", "Werktagen"),
    business_hour: ("Arbeitsstunde", "Arbeitsstunden"),
    within_one: ("innerhalb eines Werktags", "innerhalb einer Arbeitsstunde"),
    thank_you_only: &[
        "danke", "vielen dank", "danke schön", "dankeschön", "herzlichen dank", "danke sehr", "es funktioniert",
        "funktioniert", "funktioniert jetzt", "hat geklappt", "klappt", "super", "perfekt", "alles klar",
        "passt", "erledigt", "gelöst", "top", "prima", "toll", "danke, hat geklappt", "besten dank", "merci",
    ],
    stop_words: &[
        "der", "die", "das", "und", "ist", "nicht", "ich", "mit", "meine", "meiner", "ein", "eine", "sie",
        "bitte", "danke", "hallo", "für", "auf", "noch", "wurde", "habe", "bestellung", "guten", "tag", "zu", "es",
    ],
};

pub static FR: Locale = Locale {
    lang: Lang::Fr,
    greetings: &["bonjour", "salut", "madame", "monsieur", "bonsoir", "cher", "chère", "coucou", "hello"],
    thanks: &["merci", "remercie", "remercions", "reconnaissant", "reconnaissante"],
    delay_apology: &[
        "désolé pour l'attente", "désolée pour l'attente", "désolé pour le retard", "désolée pour le retard",
        "excusez-nous pour le retard", "excuse-nous pour le retard", "veuillez nous excuser pour le retard",
        "veuillez excuser ce retard", "veuillez nous excuser pour l'attente", "je vous prie de nous excuser pour",
        "pardon pour l'attente", "pardon pour le retard", "excuses pour le retard", "excuses pour l'attente",
        "désolé de vous avoir fait attendre", "désolée de vous avoir fait attendre", "désolé de t'avoir fait attendre",
        "désolée de t'avoir fait attendre", "désolé qu'il nous ait fallu", "désolée qu'il nous ait fallu",
        "je suis désolé qu'il", "je suis désolée qu'il", "je vous présente nos excuses pour", "mes excuses pour le retard",
        "toutes nos excuses", "nos excuses pour", "excusez-nous pour", "excuse-nous pour", "pardon pour le délai",
        "veuillez nous excuser pour", "excuses pour le délai",
    ],
    ownership: &[
        "je m'occupe", "je vais", "je travaille", "je suis en train", "je me charge", "je reviens vers",
        "je veille", "je prends", "j'ai pris", "je vérifie", "je reste", "je m'en occupe", "j'ai transmis",
        "je fais le nécessaire", "je suis", "je reviendrai", "je traite", "je la traite", "je le traite",
        "je suis personnellement",
    ],
    understanding: &[
        "je comprends à quel point", "je comprends combien", "je comprends que ce soit frustrant",
        "je comprends que c'est frustrant", "je comprends votre frustration", "je comprends ta frustration",
        "je comprends que cette situation", "je comprends bien à quel point", "je comprends votre agacement",
        "je comprends ton agacement", "je comprends que cela soit",
    ],
    banned_sympathy: &[
        "ça doit être frustrant", "cela doit être frustrant", "ce doit être frustrant", "je sais ce que vous ressentez",
        "je sais ce que tu ressens", "calmez-vous", "calme-toi", "comme je l'ai déjà dit", "comme déjà indiqué",
        "comme je vous l'ai déjà dit", "évidemment",
    ],
    emotion_words: &["frustr", "agac", "énerv", "déçu", "déçue", "inquiet", "inquiète", "contrarié", "fâché", "mécontent"],
    deflection: &[
        "veuillez contacter", "merci de contacter", "contactez", "contacte ", "adressez-vous",
        "adresse-toi", "vous devez contacter", "tu dois contacter", "ne relève pas de",
    ],
    handoff: &["vous contactera", "te contactera", "reviendra vers vous", "reviendra vers toi", "j'ai transmis", "je reviens vers", "prendra contact"],
    discouraging: &[
        "ne pas répondre", "ne répondez pas", "ne réponds pas", "n'est pas surveillée", "n'est pas consultée",
        "inutile de nous contacter", "seulement si", "no-reply", "noreply", "ne pas y répondre",
    ],
    reply_invite: &[
        "répondez simplement", "réponds simplement", "répondre à ce message", "répondre à cet e-mail",
        "répondre à ce courriel", "n'hésitez pas à me répondre", "n'hésite pas à me répondre", "écrivez-moi",
        "écris-moi", "dites-le-moi", "dis-le-moi", "répondez", "réponds", "répondre",
    ],
    time_phrases: &[
        "sous", "dans les", "jour ouvré", "jours ouvrés", "heures", "demain", "aujourd'hui", "d'ici",
        "avant la fin", "cette semaine", "la semaine prochaine", "minutes", "heure ouvrée",
    ],
    unconditional: &["immédiatement", "garanti", "garantie", "tout de suite", "sans faute", "à 100 %", "100%"],
    followup: &[
        "je vous tiens informé", "je vous tiendrai informé", "je te tiens au courant", "je vous tiens au courant",
        "je te tiendrai au courant", "y a-t-il autre chose", "puis-je faire autre chose", "autre chose",
        "comment cela s'est-il passé", "est-ce que ça a marché", "je reviens vers", "qu'est-ce qui aurait",
        "je vous recontacte", "je te recontacte",
    ],
    impolite_openers: &["donc", "en fait", "en réalité", "évidemment", "bref"],
    imperatives: &["envoyez", "envoie", "vérifiez", "vérifie", "lisez", "lis", "faites", "fais", "redémarrez", "redémarre"],
    cheerful: &["bonne nouvelle", "super", "génial", "youpi", "fantastique", "formidable", "chouette"],
    closings: &[
        "cordialement", "bien cordialement", "bien à vous", "bien à toi", "merci", "merci d'avance",
        "salutations", "sincères salutations", "meilleures salutations", "bonne journée", "à bientôt", "bises",
        "bisous", "a+", "amicalement", "veuillez agréer",
    ],
    formal_greetings: &["madame", "monsieur", "madame, monsieur", "cher monsieur", "chère madame"],
    casual_greetings: &["salut"],
    very_casual_greetings: &["coucou", "hey", "yo", "slt", "wesh"],
    formal_closings: &[
        "veuillez agréer", "je vous prie d'agréer", "sincères salutations", "salutations distinguées",
        "respectueusement", "bien respectueusement",
    ],
    semi_formal_closings: &["cordialement", "bien cordialement", "bien à vous", "meilleures salutations"],
    casual_closings: &["bises", "bisous", "a+", "à plus", "ciao", "biz", "tchao", "bien à toi"],
    formal_words: &[
        "je vous saurais gré", "je vous prie", "veuillez", "je me permets", "concernant", "par la présente",
        "ci-joint", "je souhaiterais", "auriez-vous l'amabilité",
    ],
    slang: &["lol", "mdr", "ptdr", "stp", "slt", "bjr", "jsp", "ouf", "kiffe", "truc", "ouais", "bah", "osef", "c'est chiant"],
    v_pronouns: &["vous", "votre", "vos"],
    t_pronouns: &["tu", "toi", "ton", "ta", "tes"],
    v_capitalised: false,
    v_phrases: &["pourriez-vous", "pouvez-vous", "avez-vous", "êtes-vous"],
    t_phrases: &["peux-tu", "pourrais-tu", "as-tu", "es-tu", "t'as", "t'es"],
    order_words: &["commande", "numéro de commande", "n° de commande", "réservation", "achat"],
    invoice_words: &["facture", "numéro de facture", "n° de facture", "reçu"],
    error_words: &["erreur", "message d'erreur", "code d'erreur"],
    numbers: ["zéro", "un", "deux", "trois", "quatre", "cinq", "six", "sept", "huit", "neuf", "dix", "onze", "douze"],
    hour: ("heure", "heures"),
    day: ("jour", "jours"),
    week: ("semaine", "semaines"),
    minute: ("minute", "minutes"),
    within: "sous {n} {unit}",
    business_day: ("jour ouvré", "jours ouvrés"),
    business_hour: ("heure ouvrée", "heures ouvrées"),
    within_one: ("sous un jour ouvré", "sous une heure ouvrée"),
    thank_you_only: &[
        "merci", "merci beaucoup", "merci bien", "mille mercis", "ça marche", "ça fonctionne", "c'est bon",
        "parfait", "super", "génial", "résolu", "problème résolu", "c'est réglé", "tout est ok", "top", "nickel",
        "ça a marché", "ça fonctionne maintenant",
    ],
    stop_words: &[
        "le", "la", "les", "et", "est", "je", "vous", "pas", "une", "un", "des", "pour", "avec", "que", "ma",
        "mon", "merci", "bonjour", "commande", "ne", "ce", "sur", "dans", "de", "du", "mais",
    ],
};

pub static ES: Locale = Locale {
    lang: Lang::Es,
    greetings: &["estimado", "estimada", "estimados", "buenos días", "buenas tardes", "buenas noches", "hola", "buenas"],
    thanks: &["gracias", "agradezco", "agradecemos", "agradecido", "agradecida"],
    delay_apology: &[
        "disculpe la demora", "disculpa la demora", "disculpe el retraso", "disculpa el retraso",
        "perdone la demora", "perdona la demora", "perdón por la demora", "perdón por el retraso",
        "lamento la demora", "lamento el retraso", "sentimos la demora", "sentimos el retraso",
        "siento la demora", "siento el retraso", "lamento que hayamos tardado", "siento que hayamos tardado",
        "disculpe la espera", "disculpa la espera", "lamento la espera", "siento la espera",
        "lamentamos la demora", "le pido disculpas por la demora", "te pido disculpas por la demora",
    ],
    ownership: &[
        "me encargo", "me ocupo", "voy a", "estoy trabajando", "estoy revisando", "me pondré", "yo mismo",
        "yo misma", "he tomado", "he pasado", "me aseguraré", "estoy en ello", "me comprometo", "he empezado",
        "estoy coordinando", "le mantendré", "te mantendré", "estoy haciendo", "le escribiré", "te escribo",
        "le responderé", "te responderé", "he añadido", "he abierto",
    ],
    understanding: &[
        "entiendo lo frustrante", "comprendo lo frustrante", "entiendo lo molesto", "comprendo lo molesto",
        "entiendo perfectamente lo frustrante", "entiendo que esto es frustrante", "entiendo su frustración",
        "entiendo tu frustración", "comprendo su frustración", "comprendo tu frustración", "entiendo lo incómodo",
        "entiendo lo preocupante", "comprendo lo preocupante",
    ],
    banned_sympathy: &[
        "debe de ser frustrante", "debe ser frustrante", "sé cómo se siente", "sé cómo te sientes", "cálmese",
        "cálmate", "como ya le dije", "como ya te dije", "como ya dije", "como ya se indicó", "obviamente",
    ],
    emotion_words: &["frustra", "molest", "enfad", "decepcion", "preocup", "disgust", "enojad", "incómod"],
    deflection: &[
        "póngase en contacto con", "ponte en contacto con", "contacte con", "contacta con", "debe contactar",
        "debes contactar", "diríjase a", "dirígete a", "no es nuestra responsabilidad",
    ],
    handoff: &["se pondrá en contacto", "le contactará", "te contactará", "le responderá", "te responderá", "he pasado", "me pondré en contacto"],
    discouraging: &[
        "no responda", "no respondas", "no conteste", "no contestes", "no se supervisa", "no está supervisado",
        "no es necesario contactar", "solo si", "no-reply", "noreply",
    ],
    reply_invite: &[
        "responda a este", "responde a este", "basta con responder", "simplemente responda", "simplemente responde",
        "puede responder", "puedes responder", "escríbame", "escríbeme", "hágamelo saber", "házmelo saber",
        "responder", "responda", "responde",
    ],
    time_phrases: &[
        "en un plazo", "día hábil", "días hábiles", "horas", "mañana", "hoy", "antes del", "antes de",
        "esta semana", "la próxima semana", "minutos", "hora hábil", "en un día", "en una hora",
    ],
    unconditional: &["inmediatamente", "garantizado", "garantizamos", "de inmediato", "al instante", "sin falta", "100 %", "100%"],
    followup: &[
        "le mantendré informado", "le mantendré informada", "te mantendré informado", "te mantendré informada",
        "le informaré", "te informaré", "hay algo más", "algo más en lo que", "puedo ayudarle en algo más",
        "puedo ayudarte en algo más", "cómo le fue", "cómo te fue", "qué podríamos haber", "le escribiré",
        "te escribiré",
    ],
    impolite_openers: &["así que", "en realidad", "de hecho", "obviamente", "pues"],
    imperatives: &["envíe", "envía", "mande", "manda", "revise", "revisa", "lea", "lee", "haga", "haz"],
    cheerful: &["buenas noticias", "genial", "fantástico", "estupendo", "qué bien", "increíble", "yupi"],
    closings: &[
        "saludos", "un saludo", "saludos cordiales", "atentamente", "cordialmente", "gracias", "muchas gracias",
        "un abrazo", "abrazos", "besos", "hasta pronto", "quedo atento", "quedo atenta", "reciba un cordial saludo",
    ],
    formal_greetings: &["estimado", "estimada", "estimados", "distinguido", "distinguida", "muy señor mío", "muy señora mía"],
    casual_greetings: &[],
    very_casual_greetings: &["holi", "hey", "ey", "qué tal", "buenas"],
    formal_closings: &["atentamente", "reciba un cordial saludo", "le saluda atentamente", "cordialmente"],
    semi_formal_closings: &["saludos cordiales", "un cordial saludo", "quedo atento", "quedo atenta"],
    casual_closings: &["un abrazo", "abrazos", "besos", "besitos", "chao", "nos vemos", "hasta luego"],
    formal_words: &[
        "le agradecería", "le ruego", "quisiera solicitar", "por medio de la presente", "adjunto", "con respecto a",
        "en relación con", "sería tan amable",
    ],
    slang: &["jaja", "jajaja", "xd", "porfa", "tqm", "q", "xq", "tío", "tía", "guay", "mola", "vale vale", "oye", "pq"],
    v_pronouns: &["usted", "ustedes"],
    t_pronouns: &["tú", "contigo"],
    v_capitalised: false,
    v_phrases: &["le agradecería", "podría usted", "le ruego", "le escribo", "podría indicarme", "le saluda", "le agradezco"],
    t_phrases: &["puedes", "podrías", "tienes", "quieres", "te escribo", "tu pedido", "tu factura", "tu cuenta", "te agradezco"],
    order_words: &["pedido", "número de pedido", "orden", "compra", "reserva"],
    invoice_words: &["factura", "número de factura", "recibo"],
    error_words: &["error", "mensaje de error", "código de error"],
    numbers: ["cero", "uno", "dos", "tres", "cuatro", "cinco", "seis", "siete", "ocho", "nueve", "diez", "once", "doce"],
    hour: ("hora", "horas"),
    day: ("día", "días"),
    week: ("semana", "semanas"),
    minute: ("minuto", "minutos"),
    within: "en un plazo de {n} {unit}",
    business_day: ("día hábil", "días hábiles"),
    business_hour: ("hora hábil", "horas hábiles"),
    within_one: ("en un plazo de un día hábil", "en un plazo de una hora hábil"),
    thank_you_only: &[
        "gracias", "muchas gracias", "mil gracias", "muchísimas gracias", "ya funciona", "funciona", "perfecto",
        "genial", "resuelto", "solucionado", "todo bien", "listo", "vale", "estupendo", "funcionó",
    ],
    stop_words: &[
        "el", "la", "los", "las", "y", "es", "que", "no", "un", "una", "por", "para", "con", "mi", "su", "de",
        "del", "gracias", "hola", "pedido", "pero", "muy", "está", "he", "se", "lo",
    ],
};

pub static IT: Locale = Locale {
    lang: Lang::It,
    greetings: &["gentile", "gentilissimo", "gentilissima", "buongiorno", "buonasera", "ciao", "salve", "egregio", "caro", "cara"],
    thanks: &["grazie", "ringrazio", "ringraziamo", "grato", "grata"],
    delay_apology: &[
        "scusi il ritardo", "scusa il ritardo", "ci scusi per il ritardo", "ci scusiamo per il ritardo",
        "mi scuso per il ritardo", "ci scusiamo per l'attesa", "mi scuso per l'attesa", "scusi l'attesa",
        "scusa l'attesa", "mi dispiace per il ritardo", "mi dispiace per l'attesa", "ci dispiace per il ritardo",
        "ci dispiace per l'attesa", "mi dispiace che ci siano voluti", "mi dispiace averla fatta aspettare",
        "mi dispiace averti fatto aspettare", "mi scuso per averla fatta aspettare", "scusa se ti ho fatto aspettare",
    ],
    ownership: &[
        "mi occupo", "me ne occupo", "sto lavorando", "sto verificando", "mi assicurerò", "ho preso in carico",
        "ho passato", "seguirò", "vado a", "mi impegno", "sto seguendo", "ho già", "ho avviato", "lavorerò",
        "la terrò", "ti terrò", "controllerò",
    ],
    understanding: &[
        "capisco quanto sia frustrante", "capisco quanto possa essere frustrante", "comprendo quanto sia frustrante",
        "capisco bene quanto sia frustrante", "capisco la sua frustrazione", "capisco la tua frustrazione",
        "comprendo la sua frustrazione", "capisco quanto sia fastidioso", "capisco quanto sia spiacevole",
        "comprendo il suo disagio", "capisco il tuo disagio", "capisco quanto sia scomodo",
    ],
    banned_sympathy: &[
        "deve essere frustrante", "dev'essere frustrante", "so come si sente", "so come ti senti", "si calmi",
        "calmati", "come ho già detto", "come già detto", "come già indicato", "ovviamente",
    ],
    emotion_words: &["frustra", "fastidi", "arrabbiat", "delus", "preoccupat", "seccat", "disagio", "irritat", "spiacevol"],
    deflection: &[
        "si rivolga a", "rivolgiti a", "contatti", "contatta", "deve contattare", "devi contattare",
        "non è di nostra competenza", "non è nostra responsabilità",
    ],
    handoff: &["la contatterà", "ti contatterà", "le risponderà", "ti risponderà", "ho passato", "mi farò sentire", "la ricontatterò", "ti ricontatterò"],
    discouraging: &[
        "non rispondere", "non risponda", "non è monitorata", "non viene letta", "non è necessario contattarci",
        "solo se", "no-reply", "noreply",
    ],
    reply_invite: &[
        "risponda a questa", "rispondi a questa", "basta rispondere", "le basta rispondere", "ti basta rispondere",
        "può rispondere", "puoi rispondere", "mi scriva", "scrivimi", "me lo faccia sapere", "fammi sapere",
        "rispondere", "risponda", "rispondi",
    ],
    time_phrases: &[
        "entro", "giorno lavorativo", "giorni lavorativi", "ore", "domani", "oggi", "questa settimana",
        "la prossima settimana", "minuti", "ora lavorativa", "ore lavorative",
    ],
    unconditional: &["immediatamente", "garantito", "garantiamo", "subito", "all'istante", "senza dubbio", "100 %", "100%"],
    followup: &[
        "la terrò aggiornata", "la terrò aggiornato", "ti terrò aggiornato", "ti terrò aggiornata", "la aggiornerò",
        "ti aggiornerò", "c'è altro", "posso fare altro", "posso aiutarla in altro", "posso aiutarti in altro",
        "com'è andata", "cosa avrebbe", "la ricontatterò", "ti ricontatterò", "mi farò sentire",
    ],
    impolite_openers: &["quindi", "in realtà", "di fatto", "ovviamente", "allora"],
    imperatives: &["invii", "invia", "mandi", "manda", "controlli", "controlla", "legga", "leggi", "faccia", "fai"],
    cheerful: &["ottime notizie", "fantastico", "evviva", "che bello", "splendido", "grandioso", "bellissimo"],
    closings: &[
        "cordiali saluti", "distinti saluti", "saluti", "un saluto", "grazie", "grazie mille", "a presto",
        "un abbraccio", "baci", "ciao", "buona giornata", "cordialmente",
    ],
    formal_greetings: &["gentile", "gentilissimo", "gentilissima", "egregio", "egregia", "spettabile"],
    casual_greetings: &["ciao"],
    very_casual_greetings: &["ehi", "hey", "ciaooo", "bella"],
    formal_closings: &["distinti saluti", "cordiali saluti", "con osservanza", "porgo distinti saluti", "cordialmente"],
    semi_formal_closings: &["un cordiale saluto", "saluti"],
    casual_closings: &["un abbraccio", "baci", "bacioni", "a presto", "ciao", "ci sentiamo"],
    formal_words: &[
        "le sarei grato", "le sarei grata", "la prego", "vorrei richiedere", "in merito a", "con la presente",
        "in allegato", "le chiedo cortesemente", "distinti",
    ],
    slang: &["ahah", "ahahah", "cmq", "nn", "xke", "xché", "grz", "tvb", "boh", "figo", "dai dai", "raga"],
    v_pronouns: &["lei", "suo", "sua", "suoi", "sue"],
    t_pronouns: &["tu", "ti", "te", "tuo", "tua", "tuoi", "tue"],
    v_capitalised: true,
    v_phrases: &["potrebbe", "vorrebbe", "la ringrazio", "le chiedo", "la prego", "le scrivo", "può"],
    t_phrases: &["potresti", "puoi", "vuoi", "ti ringrazio", "ti scrivo", "hai"],
    order_words: &["ordine", "numero d'ordine", "numero ordine", "acquisto", "prenotazione"],
    invoice_words: &["fattura", "numero di fattura", "numero fattura", "ricevuta"],
    error_words: &["errore", "messaggio di errore", "codice di errore"],
    numbers: ["zero", "uno", "due", "tre", "quattro", "cinque", "sei", "sette", "otto", "nove", "dieci", "undici", "dodici"],
    hour: ("ora", "ore"),
    day: ("giorno", "giorni"),
    week: ("settimana", "settimane"),
    minute: ("minuto", "minuti"),
    within: "entro {n} {unit}",
    business_day: ("giorno lavorativo", "giorni lavorativi"),
    business_hour: ("ora lavorativa", "ore lavorative"),
    within_one: ("entro un giorno lavorativo", "entro un'ora lavorativa"),
    thank_you_only: &[
        "grazie", "grazie mille", "grazie tante", "molte grazie", "funziona", "ora funziona", "perfetto",
        "ottimo", "risolto", "tutto a posto", "tutto ok", "fantastico", "ha funzionato",
    ],
    stop_words: &[
        "il", "lo", "la", "gli", "le", "e", "è", "che", "non", "un", "una", "per", "con", "mio", "mia", "di",
        "del", "grazie", "buongiorno", "ordine", "ma", "sono", "ho", "ancora", "questo",
    ],
};

pub static NL: Locale = Locale {
    lang: Lang::Nl,
    greetings: &["geachte", "beste", "hoi", "hallo", "goedemorgen", "goedemiddag", "goedendag", "dag", "hey", "hi"],
    thanks: &["dank", "bedankt", "dankjewel", "dank je", "dank u", "dankuwel", "dankbaar"],
    delay_apology: &[
        "excuses voor de vertraging", "excuses voor het wachten", "sorry voor de vertraging", "sorry voor het wachten",
        "onze excuses voor de vertraging", "mijn excuses voor de vertraging", "excuses voor de late",
        "excuses dat het", "sorry dat het", "excuses dat u", "sorry dat je", "het spijt me dat het",
        "het spijt me dat u", "het spijt me dat je", "excuses dat we", "sorry dat we",
        "onze excuses voor het lange wachten", "excuses voor het lange wachten",
    ],
    ownership: &[
        "ik ga", "ik zorg", "ik werk", "ik ben bezig", "ik pak", "ik neem", "ik bekijk", "ik kijk",
        "ik heb uw", "ik heb je", "ik houd", "ik hou", "ik laat", "ik controleer", "ik zal", "ik heb uw vraag",
    ],
    understanding: &[
        "ik begrijp hoe frustrerend", "ik begrijp goed hoe frustrerend", "ik snap hoe frustrerend",
        "ik begrijp hoe vervelend", "ik begrijp goed hoe vervelend", "ik snap hoe vervelend",
        "ik begrijp dat dit frustrerend", "ik begrijp dat dit vervelend", "ik begrijp uw frustratie",
        "ik begrijp je frustratie", "ik begrijp hoe lastig",
    ],
    banned_sympathy: &[
        "dat moet frustrerend zijn", "moet frustrerend zijn", "ik weet hoe u zich voelt", "ik weet hoe je je voelt",
        "rustig maar", "kalm blijven", "zoals ik al zei", "zoals eerder gezegd", "zoals al vermeld", "uiteraard",
    ],
    emotion_words: &["frustr", "vervelend", "boos", "teleurgesteld", "geërgerd", "bezorgd", "ongerust", "lastig", "geïrriteerd"],
    deflection: &[
        "neem contact op met", "neemt u contact op met", "u moet contact", "je moet contact", "wendt u zich tot",
        "wend je tot", "niet onze verantwoordelijkheid",
    ],
    handoff: &["neemt contact met u op", "neemt contact met je op", "zal u antwoorden", "zal je antwoorden", "ik heb uw vraag doorgezet", "ik heb je vraag doorgezet", "ik laat u weten", "ik laat je weten"],
    discouraging: &[
        "niet beantwoorden", "antwoord niet", "wordt niet gelezen", "wordt niet bewaakt", "niet nodig om contact",
        "alleen als", "no-reply", "noreply",
    ],
    reply_invite: &[
        "beantwoord deze", "antwoord gewoon", "reageer gewoon", "u kunt gewoon", "je kunt gewoon",
        "reageren op deze", "antwoorden op deze", "laat het me weten", "laat het mij weten", "mail me",
        "reageren", "antwoorden", "reageer",
    ],
    time_phrases: &[
        "binnen", "werkdag", "werkdagen", "uur", "morgen", "vandaag", "deze week", "volgende week", "minuten",
        "werkuur", "werkuren", "voor het einde",
    ],
    unconditional: &["onmiddellijk", "gegarandeerd", "garantie", "direct", "meteen", "zeker weten", "100 %", "100%"],
    followup: &[
        "ik houd u op de hoogte", "ik hou je op de hoogte", "ik houd je op de hoogte", "ik laat u weten",
        "ik laat je weten", "kan ik nog iets", "is er nog iets", "nog iets anders", "hoe is het gegaan",
        "wat had", "ik neem weer contact", "ik kom bij u terug", "ik kom bij je terug",
    ],
    impolite_openers: &["dus", "eigenlijk", "in feite", "uiteraard", "nou"],
    imperatives: &["stuur", "stuurt u", "controleer", "lees", "doe", "kijk", "zorg"],
    cheerful: &["goed nieuws", "geweldig", "super", "fantastisch", "hoera", "top"],
    closings: &[
        "met vriendelijke groet", "met vriendelijke groeten", "vriendelijke groet", "groet", "groeten", "groetjes",
        "hartelijke groet", "bedankt", "dank je", "dank u", "mvg", "gr", "hoogachtend", "tot ziens", "doei",
    ],
    formal_greetings: &["geachte", "zeer geachte", "goedemorgen", "goedemiddag"],
    casual_greetings: &["hoi", "hallo", "hi"],
    very_casual_greetings: &["hey", "hee", "yo", "hoi hoi", "heuj"],
    formal_closings: &["hoogachtend", "met vriendelijke groet", "met vriendelijke groeten", "mvg"],
    semi_formal_closings: &["vriendelijke groet", "hartelijke groet"],
    casual_closings: &["groetjes", "doei", "tot later", "xx", "liefs", "gr"],
    formal_words: &["graag zou ik", "wilt u", "zou u", "betreffende", "hierbij", "bijgevoegd", "in de bijlage", "met betrekking tot"],
    slang: &["lol", "haha", "ff", "wss", "idd", "vet", "chill", "ofzo", "nou ja", "boeit", "zeg maar"],
    v_pronouns: &["u", "uw"],
    t_pronouns: &["je", "jij", "jou", "jouw", "jullie"],
    v_capitalised: false,
    v_phrases: &["kunt u", "wilt u", "heeft u", "bent u", "zou u"],
    t_phrases: &["kun je", "wil je", "heb je", "ben je", "zou je", "kan je"],
    order_words: &["bestelling", "bestelnummer", "ordernummer", "order", "aankoop", "boeking"],
    invoice_words: &["factuur", "factuurnummer", "bon"],
    error_words: &["fout", "foutmelding", "foutcode", "melding"],
    numbers: ["nul", "één", "twee", "drie", "vier", "vijf", "zes", "zeven", "acht", "negen", "tien", "elf", "twaalf"],
    hour: ("uur", "uur"),
    day: ("dag", "dagen"),
    week: ("week", "weken"),
    minute: ("minuut", "minuten"),
    within: "binnen {n} {unit}",
    business_day: ("werkdag", "werkdagen"),
    business_hour: ("werkuur", "werkuren"),
    within_one: ("binnen één werkdag", "binnen één werkuur"),
    thank_you_only: &[
        "bedankt", "dank je", "dank je wel", "dankjewel", "dank u", "dank u wel", "hartelijk dank", "het werkt",
        "werkt", "werkt nu", "perfect", "top", "opgelost", "prima", "helemaal goed", "super",
    ],
    stop_words: &[
        "de", "het", "een", "en", "is", "niet", "ik", "mijn", "van", "voor", "met", "op", "dat", "die", "u",
        "je", "bedankt", "hallo", "bestelling", "nog", "maar", "heb", "wel", "geen", "te",
    ],
};

pub static PT: Locale = Locale {
    lang: Lang::Pt,
    greetings: &["prezado", "prezada", "prezados", "bom dia", "boa tarde", "boa noite", "olá", "oi", "caro", "cara", "estimado", "estimada"],
    thanks: &["obrigado", "obrigada", "agradeço", "agradecemos", "grato", "grata"],
    delay_apology: &[
        "desculpe a demora", "desculpa a demora", "desculpe pela demora", "desculpa pela demora",
        "lamento a demora", "lamentamos a demora", "peço desculpa pela demora", "peço desculpas pela demora",
        "pedimos desculpa pela demora", "pedimos desculpas pela demora", "desculpe o atraso", "desculpa o atraso",
        "desculpe pelo atraso", "desculpa pelo atraso", "lamento o atraso", "lamento que tenhamos demorado",
        "desculpe a espera", "desculpa a espera", "lamento a espera", "sinto muito pela demora",
    ],
    ownership: &[
        "vou ", "estou a trabalhar", "estou trabalhando", "eu cuido", "vou cuidar", "estou verificando",
        "estou a verificar", "me encarrego", "encarrego-me", "já passei", "assumi", "tratarei", "vou garantir",
        "estou acompanhando", "estou a acompanhar", "eu mesmo", "eu mesma",
    ],
    understanding: &[
        "entendo como é frustrante", "compreendo como é frustrante", "entendo o quanto é frustrante",
        "compreendo o quanto é frustrante", "entendo a sua frustração", "entendo sua frustração",
        "compreendo a sua frustração", "entendo a tua frustração", "entendo como é chato", "entendo como é incômodo",
        "entendo como é incómodo", "compreendo o incômodo",
    ],
    banned_sympathy: &[
        "deve ser frustrante", "sei como se sente", "sei como te sentes", "sei como você se sente", "acalme-se",
        "acalma-te", "calma", "como já disse", "como já foi dito", "como já mencionei", "obviamente",
    ],
    emotion_words: &["frustra", "chate", "irritad", "decepcion", "preocupad", "aborrecid", "incômod", "incómod", "zangad"],
    deflection: &[
        "entre em contato com", "entre em contacto com", "contacte", "contate", "deve contactar", "deve contatar",
        "dirija-se a", "não é da nossa responsabilidade",
    ],
    handoff: &["entrará em contato", "entrará em contacto", "vai responder", "responderá", "já passei", "vou entrar em contato", "vou entrar em contacto"],
    discouraging: &[
        "não responda", "não responder", "não é monitorado", "não é monitorizado", "não é necessário contactar",
        "não é necessário contatar", "apenas se", "no-reply", "noreply",
    ],
    reply_invite: &[
        "responda a este", "basta responder", "pode responder", "podes responder", "é só responder",
        "escreva-me", "me escreva", "me avise", "avise-me", "diga-me", "responder", "responda",
    ],
    time_phrases: &[
        "dentro de", "em até", "dia útil", "dias úteis", "horas", "amanhã", "hoje", "esta semana",
        "na próxima semana", "minutos", "hora útil", "horas úteis",
    ],
    unconditional: &["imediatamente", "garantido", "garantimos", "de imediato", "na hora", "sem falta", "100 %", "100%"],
    followup: &[
        "vou mantê-lo informado", "vou mantê-la informada", "manterei você informado", "vou te manter informado",
        "vou informar", "informarei", "mais alguma coisa", "há mais algo", "posso ajudar em mais", "como correu",
        "como foi", "o que teria", "volto a entrar em contato", "volto a contactar", "dou notícias", "darei notícias",
    ],
    impolite_openers: &["então", "na verdade", "de fato", "de facto", "obviamente"],
    imperatives: &["envie", "envia", "mande", "manda", "verifique", "verifica", "leia", "lê", "faça", "faz"],
    cheerful: &["ótimas notícias", "boas notícias", "que bom", "fantástico", "incrível", "maravilha", "oba"],
    closings: &[
        "atenciosamente", "cumprimentos", "com os melhores cumprimentos", "melhores cumprimentos", "abraço",
        "abraços", "abs", "obrigado", "obrigada", "muito obrigado", "muito obrigada", "beijos", "bjs",
        "até breve", "saudações", "cordialmente",
    ],
    formal_greetings: &["prezado", "prezada", "prezados", "exmo", "exma", "exmo.", "exma.", "estimado", "estimada"],
    casual_greetings: &["oi"],
    very_casual_greetings: &["e aí", "eai", "fala", "opa", "hey"],
    formal_closings: &["atenciosamente", "com os melhores cumprimentos", "respeitosamente", "cordialmente"],
    semi_formal_closings: &["cumprimentos", "melhores cumprimentos", "saudações"],
    casual_closings: &["abraço", "abraços", "abs", "beijos", "bjs", "beijo", "até mais", "valeu", "falou"],
    formal_words: &["venho por este meio", "solicito", "gostaria de solicitar", "em anexo", "relativamente a", "no que diz respeito", "agradeceria"],
    slang: &["kkk", "kkkk", "rs", "vc", "tb", "pq", "blz", "valeu", "tá", "né", "cara", "mano", "putz", "legal"],
    v_pronouns: &[],
    t_pronouns: &["tu", "teu", "tua", "teus", "tuas", "contigo"],
    v_capitalised: false,
    v_phrases: &["o senhor", "a senhora", "os senhores", "v. exa", "vossa"],
    t_phrases: &["tu ", "podes", "tens", "queres"],
    order_words: &["pedido", "encomenda", "número do pedido", "número da encomenda", "compra", "reserva"],
    invoice_words: &["fatura", "factura", "número da fatura", "recibo", "nota fiscal"],
    error_words: &["erro", "mensagem de erro", "código de erro"],
    numbers: ["zero", "um", "dois", "três", "quatro", "cinco", "seis", "sete", "oito", "nove", "dez", "onze", "doze"],
    hour: ("hora", "horas"),
    day: ("dia", "dias"),
    week: ("semana", "semanas"),
    minute: ("minuto", "minutos"),
    within: "dentro de {n} {unit}",
    business_day: ("dia útil", "dias úteis"),
    business_hour: ("hora útil", "horas úteis"),
    within_one: ("dentro de um dia útil", "dentro de uma hora útil"),
    thank_you_only: &[
        "obrigado", "obrigada", "muito obrigado", "muito obrigada", "funcionou", "já funciona", "funciona",
        "perfeito", "ótimo", "resolvido", "tudo certo", "tudo bem", "valeu", "show",
    ],
    stop_words: &[
        "o", "a", "os", "as", "e", "é", "que", "não", "um", "uma", "para", "com", "meu", "minha", "de", "do",
        "da", "obrigado", "olá", "pedido", "mas", "está", "tenho", "ainda", "foi", "em",
    ],
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_read_as_a_customer_would_say_them() {
        assert_eq!(EN.wait(3 * 86_400 + 3600), "three days");
        assert_eq!(EN.wait(5 * 3600), "five hours");
        assert_eq!(EN.wait(3600), "one hour");
        assert_eq!(DE.wait(2 * 86_400), "zwei Tage");
        assert_eq!(FR.wait(30 * 86_400), "quatre semaines");
        assert_eq!(EN.wait(15 * 86_400), "15 days");
    }

    #[test]
    fn next_update_phrases() {
        assert_eq!(EN.within_business(86_400, 86_400), "within one business day");
        assert_eq!(EN.within_business(4 * 3600, 8 * 3600), "within four business hours");
        assert_eq!(DE.within_business(8 * 3600, 8 * 3600), "innerhalb eines Werktags");
        assert_eq!(DE.within_business(2 * 8 * 3600, 8 * 3600), "innerhalb von zwei Werktagen");
        assert_eq!(FR.within_business(3600, 8 * 3600), "sous une heure ouvrée");
        assert_eq!(ES.within_business(86_400, 86_400), "en un plazo de un día hábil");
        assert_eq!(IT.within_business(3600, 86_400), "entro un'ora lavorativa");
    }

    #[test]
    fn every_language_has_its_lists() {
        for l in Lang::ALL {
            let loc = locale(l);
            assert_eq!(loc.lang, l);
            for list in [
                loc.greetings, loc.thanks, loc.delay_apology, loc.ownership, loc.understanding, loc.banned_sympathy,
                loc.reply_invite, loc.time_phrases, loc.followup, loc.closings, loc.thank_you_only, loc.stop_words,
            ] {
                assert!(!list.is_empty(), "{l}");
                for w in list {
                    assert_eq!(*w, w.to_lowercase(), "{l}: `{w}` must be lower case");
                }
            }
        }
    }
}
