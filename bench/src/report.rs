//! Small pieces shared by the report-printing binaries added with the performance issue.

/// The 1, 5 and 15 minute load averages, as `/proc/loadavg` gives them.
pub fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|text| {
            text.split_whitespace()
                .take(3)
                .collect::<Vec<_>>()
                .join(" ")
        })
        .unwrap_or_else(|_| "unknown".to_owned())
}

/// `--name value` pairs parsed as numbers; anything else prints `usage` and exits.
pub fn numeric_options(known: &[&str], usage: &str) -> Vec<(String, u64)> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut options = Vec::new();
    for pair in args.chunks(2) {
        let value = pair.get(1).and_then(|value| value.parse::<u64>().ok());
        match value {
            Some(value) if known.contains(&pair[0].as_str()) => {
                options.push((pair[0].clone(), value))
            }
            _ => {
                eprintln!("usage: {usage}");
                std::process::exit(2);
            }
        }
    }
    options
}

/// The value given for `name`, else `default`.
pub fn option(options: &[(String, u64)], name: &str, default: u64) -> u64 {
    options
        .iter()
        .rev()
        .find(|(key, _)| key == name)
        .map_or(default, |(_, value)| *value)
}

/// A ratio of two durations as `1.23×`.
pub fn ratio(numerator: std::time::Duration, denominator: std::time::Duration) -> String {
    format!(
        "{:.2}×",
        numerator.as_secs_f64() / denominator.as_secs_f64()
    )
}
