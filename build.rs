//! Embeds the shipped reply templates (templates/replies/LANG/LETTER.REGISTER.hbs) and the
//! per-language data (locales/LANG/*.toml) so the binary works from anywhere, `attune demo`
//! included.

use std::fmt::Write;
use std::path::Path;

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("templates").join("replies");
    println!("cargo:rerun-if-changed={}", root.display());
    let mut entries = Vec::new();
    if let Ok(langs) = std::fs::read_dir(&root) {
        for lang in langs.flatten() {
            let lang_path = lang.path();
            if !lang_path.is_dir() {
                continue;
            }
            println!("cargo:rerun-if-changed={}", lang_path.display());
            let lang_name = lang.file_name().to_string_lossy().to_string();
            if let Ok(files) = std::fs::read_dir(&lang_path) {
                for f in files.flatten() {
                    let p = f.path();
                    let name = f.file_name().to_string_lossy().to_string();
                    let Some(stem) = name.strip_suffix(".hbs") else {
                        continue;
                    };
                    let Some((purpose, register)) = stem.split_once('.') else {
                        continue;
                    };

                    println!("cargo:rerun-if-changed={}", p.display());
                    entries.push((format!("{purpose}/{lang_name}/{register}"), p.display().to_string()));
                }
            }
        }
    }
    entries.sort();
    let mut out = String::from(
        "/// Shipped templates: (\"purpose/lang/register\", source).\npub static SHIPPED: &[(&str, &str)] = &[\n",
    );
    for (key, path) in entries {
        let _ = writeln!(out, "    ({key:?}, include_str!({path:?})),");
    }
    out.push_str("];\n");
    let dest = Path::new(&std::env::var("OUT_DIR").expect("OUT_DIR")).join("shipped_templates.rs");
    std::fs::write(dest, out).expect("write shipped_templates.rs");
    embed_locales();
}

/// Embeds the per-language data (locales/LANG/FILE.toml) the reading and the lint use.
fn embed_locales() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("locales");
    println!("cargo:rerun-if-changed={}", root.display());
    let mut entries = Vec::new();
    if let Ok(langs) = std::fs::read_dir(&root) {
        for lang in langs.flatten() {
            let lang_path = lang.path();
            if !lang_path.is_dir() {
                continue;
            }
            println!("cargo:rerun-if-changed={}", lang_path.display());
            let lang_name = lang.file_name().to_string_lossy().to_string();
            if let Ok(files) = std::fs::read_dir(&lang_path) {
                for f in files.flatten() {
                    let p = f.path();
                    let name = f.file_name().to_string_lossy().to_string();
                    let Some(stem) = name.strip_suffix(".toml") else {
                        continue;
                    };
                    println!("cargo:rerun-if-changed={}", p.display());
                    entries.push((lang_name.clone(), stem.to_string(), p.display().to_string()));
                }
            }
        }
    }
    entries.sort();
    let mut out = String::from(
        "/// Shipped per-language data: (lang, file stem, source).\npub static SHIPPED_LOCALES: &[(&str, &str, &str)] = &[\n",
    );
    for (lang, stem, path) in entries {
        let _ = writeln!(out, "    ({lang:?}, {stem:?}, include_str!({path:?})),");
    }
    out.push_str("];\n");
    let dest = Path::new(&std::env::var("OUT_DIR").expect("OUT_DIR")).join("shipped_locales.rs");
    std::fs::write(dest, out).expect("write shipped_locales.rs");
}
