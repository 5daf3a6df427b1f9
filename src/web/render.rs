//! Pages: handlebars templates from templates/ui (built in), HTML-escaped, with a shared
//! layout. Times are shown in the team's time zone with the exact time on hover.

use handlebars::Handlebars;
use jiff::tz::TimeZone;

pub const APP_CSS: &str = include_str!("../../templates/ui/app.css");
pub const APP_JS: &str = include_str!("../../templates/ui/app.js");

const PAGES: &[(&str, &str)] = &[
    ("login", include_str!("../../templates/ui/login.hbs")),
    ("queue", include_str!("../../templates/ui/queue.hbs")),
    ("tickets", include_str!("../../templates/ui/tickets.hbs")),
    ("ticket", include_str!("../../templates/ui/ticket.hbs")),
    ("error", include_str!("../../templates/ui/error.hbs")),
    ("admin_templates", include_str!("../../templates/ui/admin_templates.hbs")),
    ("admin_template", include_str!("../../templates/ui/admin_template.hbs")),
    ("admin_settings", include_str!("../../templates/ui/admin_settings.hbs")),
    ("admin_mailboxes", include_str!("../../templates/ui/admin_mailboxes.hbs")),
    ("admin_users", include_str!("../../templates/ui/admin_users.hbs")),
    ("audit", include_str!("../../templates/ui/audit.hbs")),
];

pub struct Ui {
    hb: Handlebars<'static>,
}

impl Default for Ui {
    fn default() -> Self {
        Ui::new()
    }
}

impl Ui {
    pub fn new() -> Ui {
        let mut hb = Handlebars::new();
        // HTML escaping stays on (the default): every value is text unless a template
        // uses {{{triple}}} for sanitized HTML.
        hb.register_partial("layout", include_str!("../../templates/ui/layout.hbs")).expect("the layout compiles");
        for (name, src) in PAGES {
            hb.register_template_string(name, *src).expect("UI templates compile (a test renders each)");
        }
        Ui { hb }
    }

    pub fn page(&self, name: &str, data: &serde_json::Value) -> Result<String, handlebars::RenderError> {
        self.hb.render(name, data)
    }
}

/// A time as people read it in `tz`, and exactly (for the hover title and `datetime`).
pub fn time(secs: i64, tz: &TimeZone) -> (String, String) {
    let t = crate::clock::ts(secs).to_zoned_datetime(tz.clone());
    (t.strftime("%-d %b %Y, %H:%M").to_string(), t.strftime("%Y-%m-%dT%H:%M:%S%:z").to_string())
}

/// "3h 20m", "2d 4h", "12m".
pub fn duration(secs: i64) -> String {
    crate::cli::human_duration(secs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_page_renders_with_empty_data() {
        let ui = Ui::new();
        for (name, _) in PAGES {
            let html = ui.page(name, &serde_json::json!({"title": "t", "tz": "UTC"})).unwrap();
            assert!(html.contains("<!DOCTYPE html>"), "{name}");
        }
    }

    #[test]
    fn values_are_escaped() {
        let ui = Ui::new();
        let html = ui
            .page("error", &serde_json::json!({"title": "x", "heading": "<script>alert(1)</script>", "message": "m"}))
            .unwrap();
        assert!(!html.contains("<script>alert(1)"));
        assert!(html.contains("&lt;script&gt;"));
    }
}
