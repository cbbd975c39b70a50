//! The desktop's choice of store: the PC's own data file, or a shared PostgreSQL server
//! (rules §15). The server's address, branch and counter are kept in `connection.json` in
//! the app's folder — never the password, which is asked at start (or comes from
//! `MEMBERDESK_DB_PASSWORD`).

use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// What `connection.json` holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct SavedConnection {
    /// `postgres://user@host:port/dbname`, without a password.
    pub url: String,
    pub branch: Option<String>,
    pub counter: Option<String>,
}

impl SavedConnection {
    fn file(folder: &Path) -> PathBuf {
        folder.join("connection.json")
    }

    pub fn load(folder: &Path) -> Option<SavedConnection> {
        let text = std::fs::read_to_string(Self::file(folder)).ok()?;
        serde_json::from_str(&text).ok()
    }

    /// Saves the connection, the password taken out of the URL first.
    pub fn save(&self, folder: &Path) -> std::io::Result<()> {
        let clean = SavedConnection {
            url: store::ServerUrl::new(&self.url).without_password().secret().to_string(),
            ..self.clone()
        };
        std::fs::create_dir_all(folder)?;
        let text = serde_json::to_string_pretty(&clean).map_err(std::io::Error::other)?;
        std::fs::write(Self::file(folder), text)
    }

    pub fn forget(folder: &Path) -> std::io::Result<()> {
        match std::fs::remove_file(Self::file(folder)) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        }
    }
}

/// Where the desktop app's store is: `MEMBERDESK_DB`, else the saved shared server, else
/// the PC's own data file.
pub fn desktop_location(folder: &Path) -> store::Location {
    if crate::clock::env_text(crate::clock::DB_ENV).is_some() {
        return crate::clock::store_location(None);
    }
    match SavedConnection::load(folder) {
        Some(saved) if !saved.url.trim().is_empty() => {
            crate::clock::with_env_password(store::Location::parse(&saved.url))
        }
        _ => crate::clock::store_location(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_saved_connection_never_holds_the_password() {
        let dir = tempfile::tempdir().unwrap();
        let saved = SavedConnection {
            url: "postgres://md:s3cret@10.0.0.5:5432/store".into(),
            branch: Some("sh01".into()),
            counter: Some("前台1".into()),
        };
        saved.save(dir.path()).unwrap();
        let text = std::fs::read_to_string(dir.path().join("connection.json")).unwrap();
        assert!(!text.contains("s3cret"), "{text}");
        let back = SavedConnection::load(dir.path()).unwrap();
        assert_eq!(back.url, "postgres://md@10.0.0.5:5432/store");
        assert_eq!(back.counter.as_deref(), Some("前台1"));
    }
}
