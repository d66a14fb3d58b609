//! The console's files, embedded at compile time: the binary is the whole deployment, and a
//! page can never load a script from another version.

use std::sync::LazyLock;

use sha2::{Digest, Sha256};

/// One served file.
pub struct Asset {
    /// The path under `console/`, e.g. `js/app.js`.
    pub path: &'static str,
    pub content_type: &'static str,
    pub bytes: &'static [u8],
    /// A strong ETag: the first 128 bits of the file's SHA-256, quoted.
    pub etag: String,
    /// The same file gzipped at build time (build.rs).
    pub gzip: &'static [u8],
    /// The gzipped form's own strong ETag: `etag` with `-gzip` (another representation).
    pub gzip_etag: String,
}

macro_rules! assets {
    ($($path:literal => $content_type:literal),* $(,)?) => {
        [$((
            $path,
            $content_type,
            include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../../console/", $path)) as &[u8],
            include_bytes!(concat!(env!("OUT_DIR"), "/gzip/", $path, ".gz")) as &[u8],
        )),*]
    };
}

/// Every file the console loads. `every_console_file_is_served` keeps this list complete.
static FILES: [(&str, &str, &[u8], &[u8]); 45] = assets![
    "index.html" => "text/html; charset=utf-8",
    "styles.css" => "text/css; charset=utf-8",
    "assist.css" => "text/css; charset=utf-8",
    "privacy.css" => "text/css; charset=utf-8",
    "js/admin-actions.js" => "text/javascript; charset=utf-8",
    "js/api.js" => "text/javascript; charset=utf-8",
    "js/app.js" => "text/javascript; charset=utf-8",
    "js/assist.js" => "text/javascript; charset=utf-8",
    "js/audit.js" => "text/javascript; charset=utf-8",
    "js/auth.js" => "text/javascript; charset=utf-8",
    "js/board.js" => "text/javascript; charset=utf-8",
    "js/clock.js" => "text/javascript; charset=utf-8",
    "js/composer.js" => "text/javascript; charset=utf-8",
    "js/conversation.js" => "text/javascript; charset=utf-8",
    "js/customer-privacy.js" => "text/javascript; charset=utf-8",
    "js/customer.js" => "text/javascript; charset=utf-8",
    "js/deferred.js" => "text/javascript; charset=utf-8",
    "js/dispositions-admin.js" => "text/javascript; charset=utf-8",
    "js/dom.js" => "text/javascript; charset=utf-8",
    "js/knowledge-admin.js" => "text/javascript; charset=utf-8",
    "js/knowledge.js" => "text/javascript; charset=utf-8",
    "js/live.js" => "text/javascript; charset=utf-8",
    "js/media.js" => "text/javascript; charset=utf-8",
    "js/message.js" => "text/javascript; charset=utf-8",
    "js/newconversation.js" => "text/javascript; charset=utf-8",
    "js/notes.js" => "text/javascript; charset=utf-8",
    "js/offers.js" => "text/javascript; charset=utf-8",
    "js/outcome-panel.js" => "text/javascript; charset=utf-8",
    "js/outcomes.js" => "text/javascript; charset=utf-8",
    "js/pages.js" => "text/javascript; charset=utf-8",
    "js/privacy.js" => "text/javascript; charset=utf-8",
    "js/queue.js" => "text/javascript; charset=utf-8",
    "js/quickreplies-admin.js" => "text/javascript; charset=utf-8",
    "js/quickreplies.js" => "text/javascript; charset=utf-8",
    "js/records.js" => "text/javascript; charset=utf-8",
    "js/script.js" => "text/javascript; charset=utf-8",
    "js/scripts-admin.js" => "text/javascript; charset=utf-8",
    "js/search.js" => "text/javascript; charset=utf-8",
    "js/sentiment.js" => "text/javascript; charset=utf-8",
    "js/status.js" => "text/javascript; charset=utf-8",
    "js/summary.js" => "text/javascript; charset=utf-8",
    "js/templates.js" => "text/javascript; charset=utf-8",
    "js/transcript.js" => "text/javascript; charset=utf-8",
    "js/typing.js" => "text/javascript; charset=utf-8",
    "js/wrapup.js" => "text/javascript; charset=utf-8",
];

static ASSETS: LazyLock<Vec<Asset>> = LazyLock::new(|| {
    FILES
        .iter()
        .map(|&(path, content_type, bytes, gzip)| {
            let etag = etag(bytes);
            Asset {
                path,
                content_type,
                bytes,
                gzip_etag: format!("{}-gzip\"", etag.trim_end_matches('"')),
                etag,
                gzip,
            }
        })
        .collect()
});

pub fn etag(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let hex: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
    format!("\"{hex}\"")
}

/// The asset at `path` (relative to `console/`).
pub fn find(path: &str) -> Option<&'static Asset> {
    ASSETS.iter().find(|asset| asset.path == path)
}

pub fn all() -> &'static [Asset] {
    &ASSETS
}
