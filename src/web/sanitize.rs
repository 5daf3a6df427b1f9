//! Customers' HTML, made safe to show: no scripts, no event handlers, no styles, no
//! `javascript:` links, and no remote images unless the agent asks (a remote image tells
//! the sender the mail was opened).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

pub struct Sanitized {
    pub html: String,
    /// Remote images were dropped (and could be loaded on request).
    pub remote_blocked: bool,
}

pub fn sanitize(html: &str, allow_remote_images: bool) -> Sanitized {
    let blocked = Arc::new(AtomicBool::new(false));
    let flag = blocked.clone();
    let mut builder = ammonia::Builder::default();
    builder
        .link_rel(Some("noopener noreferrer nofollow"))
        .url_schemes(["http", "https", "mailto", "tel"].into_iter().collect())
        .attribute_filter(move |element, attribute, value| {
            if element == "img" && attribute == "src" {
                let remote = value.starts_with("http://") || value.starts_with("https://") || value.starts_with("//");
                if remote && !allow_remote_images {
                    flag.store(true, Ordering::Relaxed);
                    return None;
                }
                if !remote {
                    // cid: and data: images are not served here.
                    return None;
                }
            }
            Some(value.into())
        });
    let html = builder.clean(html).to_string();
    Sanitized { html, remote_blocked: blocked.load(Ordering::Relaxed) }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EVIL: &str = r#"<p onclick="steal()">Hi <b>there</b></p><script>alert(1)</script><img src="x" onerror="alert(2)"><a href="javascript:alert(3)">click</a><img src="https://tracker.example/pixel.gif"><style>body{display:none}</style><iframe src="https://evil.example"></iframe>"#;

    #[test]
    fn scripts_handlers_and_remote_images_are_gone() {
        let s = sanitize(EVIL, false);
        for bad in ["<script", "onclick", "onerror", "javascript:", "tracker.example", "<style", "<iframe"] {
            assert!(!s.html.contains(bad), "{bad} survived: {}", s.html);
        }
        assert!(s.html.contains("<b>there</b>"));
        assert!(s.remote_blocked);
    }

    #[test]
    fn remote_images_on_request() {
        let s = sanitize(EVIL, true);
        assert!(s.html.contains("https://tracker.example/pixel.gif"));
        assert!(!s.html.contains("onerror"));
    }
}
