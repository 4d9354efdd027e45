//! A node's data directory remembers the id its last process ran under, so that a node that
//! restarts (after a crash, or in a rolling restart) takes its own shards back at once instead
//! of waiting for its previous lease to run out.
//!
//! That is safe only if the previous process is really gone, which the directory's lock tells:
//! every process holds an exclusive `flock` on `<data_dir>/node.lock` for its whole life, and
//! the kernel drops it when the process dies. A process that is merely frozen keeps it, so a
//! second process on the same directory refuses to start instead of retiring a live node.

use std::fs::File;
use std::path::Path;

use anyhow::{bail, Context};

/// This process's hold on its data directory.
pub struct Incarnation {
    /// Held for the process's life.
    _lock: File,
    /// The node id of the process that ran on this directory before, if any.
    pub previous: Option<String>,
}

impl Incarnation {
    /// Locks `data_dir` for this process and records `node` as its current node id.
    pub fn begin(data_dir: &Path, node: &str) -> anyhow::Result<Incarnation> {
        std::fs::create_dir_all(data_dir)
            .with_context(|| format!("cannot create {}", data_dir.display()))?;
        let path = data_dir.join("node.lock");
        let lock = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .with_context(|| format!("cannot open {}", path.display()))?;
        match lock.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => bail!(
                "another rampflow process runs on the data directory {}: each node of a \
                 cluster needs a directory of its own (RAMPFLOW_DATA_DIR)",
                data_dir.display()
            ),
            Err(std::fs::TryLockError::Error(error)) => {
                return Err(error).with_context(|| format!("cannot lock {}", path.display()))
            }
        }
        let id_file = data_dir.join("node_id");
        let previous = std::fs::read_to_string(&id_file)
            .ok()
            .map(|id| id.trim().to_owned())
            .filter(|id| !id.is_empty() && id != node);
        let written = data_dir.join("node_id.new");
        std::fs::write(&written, format!("{node}\n"))
            .and_then(|()| std::fs::rename(&written, &id_file))
            .with_context(|| format!("cannot write {}", id_file.display()))?;
        Ok(Incarnation {
            _lock: lock,
            previous,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_directory_remembers_its_last_node_and_takes_one_process_at_a_time() {
        let dir = tempfile::tempdir().unwrap();
        let first = Incarnation::begin(dir.path(), "node-1").unwrap();
        assert_eq!(first.previous, None);
        let refused = Incarnation::begin(dir.path(), "node-2").err().unwrap();
        assert!(
            refused.to_string().contains("another rampflow process"),
            "{refused}"
        );
        drop(first);
        let second = Incarnation::begin(dir.path(), "node-2").unwrap();
        assert_eq!(second.previous.as_deref(), Some("node-1"));
    }
}
