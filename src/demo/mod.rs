//! The demo: sample customer mail that ships in the binary, with arrival times set
//! relative to the first run (so the late sample is late and the on-time one on time
//! whatever day it runs, and a second run finds the same bytes and stores nothing twice).

use crate::app::App;
use crate::clock::{rfc3339, ts};
use crate::intake::RawMail;

pub struct Sample {
    pub file: &'static str,
    pub bytes: &'static [u8],
    /// How long before the demo's anchor it arrived, in business seconds.
    pub age_secs: i64,
}

macro_rules! sample {
    ($file:literal, $age:expr) => {
        Sample { file: $file, bytes: include_bytes!(concat!("mail/", $file)), age_secs: $age }
    };
}

const MIN: i64 = 60;
const HOUR: i64 = 3600;

pub static SAMPLES: &[Sample] = &[
    sample!("03-watson-formal.eml", 3 * 24 * HOUR + 2 * HOUR),
    sample!("22a-fernanda-pt-first.eml", 3 * 24 * HOUR),
    sample!("19-grief-en.eml", 7 * HOUR),
    sample!("14-bounce.eml", 9 * HOUR),
    sample!("02-mike-angry.eml", 6 * HOUR),
    sample!("15-newsletter.eml", 5 * HOUR),
    sample!("04-schmidt-de-formal.eml", 3 * HOUR),
    sample!("08-rossi-it.eml", 2 * HOUR + 30 * MIN),
    sample!("09-pieter-nl.eml", 2 * HOUR),
    sample!("20-outage-de.eml", 110 * MIN),
    sample!("21-praise-it.eml", 105 * MIN),
    sample!("13-out-of-office.eml", 100 * MIN),
    sample!("06-francois-fr.eml", 90 * MIN),
    sample!("17-spam.eml", 80 * MIN),
    sample!("07-lucia-es.eml", 70 * MIN),
    sample!("05-max-de-casual.eml", 60 * MIN),
    sample!("10-joao-pt.eml", 50 * MIN),
    sample!("12-tom-form.eml", 40 * MIN),
    sample!("01-jane-order.eml", 30 * MIN),
    sample!("16-thanks.eml", 25 * MIN),
    sample!("11-jane-followup.eml", 20 * MIN),
    sample!("22b-fernanda-pt-again.eml", 15 * MIN),
    sample!("18-malformed.eml", 10 * MIN),
];

/// The sample as it "arrived": a Received header and Date at its arrival time.
pub fn materialize(sample: &Sample, anchor: i64, app: &App) -> RawMail {
    let arrived = app.policy().calendar.subtract_business(ts(anchor), sample.age_secs).as_second();
    let date = rfc2822(arrived);
    let text = String::from_utf8_lossy(sample.bytes).replace("{{date}}", &date).replace('\n', "\r\n");
    let received = format!(
        "Received: from mail.example.org (mail.example.org [192.0.2.10])\r\n\tby mx.example.com with ESMTPS; {date}\r\n"
    );
    RawMail {
        bytes: format!("{received}{text}").into_bytes(),
        origin: format!("demo/{}", sample.file),
        arrived_at: Some(arrived),
        truncated_from: None,
    }
}

fn rfc2822(secs: i64) -> String {
    let t = ts(secs);
    let z = t.to_zoned_datetime(jiff::tz::TimeZone::UTC);
    z.strftime("%a, %d %b %Y %H:%M:%S +0000").to_string()
}

/// The moment the demo's sample times count back from: fixed at the first run.
pub async fn anchor(app: &App) -> Result<i64, crate::store::StoreError> {
    let mut db = app.store.tx().await?;
    if let Some(v) = db.meta_get("demo_anchor").await?
        && let Ok(secs) = v.parse::<i64>()
    {
        db.commit().await?;
        return Ok(secs);
    }
    let now = app.now();
    db.meta_set("demo_anchor", &now.to_string()).await?;
    db.commit().await?;
    tracing::debug!(anchor = %rfc3339(now), "demo anchor set");
    Ok(now)
}
