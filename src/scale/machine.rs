//! What the figures were taken on, and a process's resident memory, read from Linux's `/proc`.
//! Elsewhere these read as `None` and the report says "n/a".

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Machine {
    /// `nproc`: the cores this process may run on.
    pub cores: usize,
    /// `MemTotal` of `/proc/meminfo`.
    pub memory_bytes: Option<u64>,
}

impl Machine {
    pub fn this() -> Machine {
        Machine {
            cores: std::thread::available_parallelism().map_or(1, |n| n.get()),
            memory_bytes: kib_field("/proc/meminfo", "MemTotal:"),
        }
    }
}

/// This process's resident set (`VmRSS` of `/proc/self/status`).
pub fn resident_bytes() -> Option<u64> {
    kib_field("/proc/self/status", "VmRSS:")
}

/// A `Name:   1234 kB` line of a `/proc` file, in bytes.
fn kib_field(path: &str, name: &str) -> Option<u64> {
    let text = std::fs::read_to_string(path).ok()?;
    parse_kib(&text, name)
}

fn parse_kib(text: &str, name: &str) -> Option<u64> {
    let line = text.lines().find(|line| line.starts_with(name))?;
    let kib: u64 = line[name.len()..]
        .trim()
        .strip_suffix("kB")?
        .trim()
        .parse()
        .ok()?;
    Some(kib * 1024)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_kib_field() {
        let status = "Name:\trampflow\nVmPeak:\t  20000 kB\nVmRSS:\t   12345 kB\nThreads:\t4\n";
        assert_eq!(parse_kib(status, "VmRSS:"), Some(12345 * 1024));
        assert_eq!(parse_kib(status, "VmSwap:"), None);
        assert_eq!(parse_kib("Threads:\t4\n", "Threads:"), None);
    }
}
