//! Every row of the scenario table, run through every runtime (tokio, async-std, smol,
//! blocking): identical observations, plus each row's own expectations.
//!
//! A few rows are run by a measuring runner (`name with runner`): the runner calls
//! `run_everywhere` and also bounds a resource the observation cannot show (CPU time, peak
//! memory).

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use codex_api_tests::table::faults as limits;
use codex_api_tests::{Scenario, run_everywhere, table};

macro_rules! runner {
    () => {
        |scenario: &Scenario| {
            run_everywhere(scenario);
        }
    };
    ($runner:path) => {
        $runner
    };
}

macro_rules! scenarios {
    ($($(#[$attr:meta])* $name:ident $(with $runner:path)?,)*) => {
        $(
            #[test]
            $(#[$attr])*
            fn $name() {
                let scenario = table::by_name(stringify!($name)).expect("scenario in the table");
                let run: fn(&Scenario) = runner!($($runner)?);
                run(&scenario);
            }
        )*

        #[test]
        fn every_row_of_the_table_has_a_test() {
            let tested = [$(stringify!($name)),*];
            let mut names: Vec<&str> = table::all().iter().map(|s| s.name).collect();
            assert!(names.len() >= 25, "the table has {} rows", names.len());
            for name in &names {
                assert!(tested.contains(name), "no test runs scenario `{name}`");
            }
            names.sort_unstable();
            let count = names.len();
            names.dedup();
            assert_eq!(names.len(), count, "scenario names are unique");
        }
    };
}

/// The runtimes a scenario runs on, in parallel threads (`run_everywhere`).
const RUNTIMES: u64 = 4;

/// Serialises the memory-measured tests, so one's peak does not count in another's.
static MEMORY: Mutex<()> = Mutex::new(());

/// A field of `/proc/self/status` in KiB (`VmHWM`: the peak resident set so far).
fn status_kib(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    status
        .lines()
        .find_map(|line| line.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|value| value.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or_else(|| panic!("no {field} in /proc/self/status"))
}

/// Runs `scenario` everywhere and returns how much the process's peak resident set grew.
fn peak_growth(scenario: &Scenario) -> u64 {
    let _serial = MEMORY.lock().unwrap_or_else(|p| p.into_inner());
    // Reset the high-water mark to the current resident set (`5` to `clear_refs`), so an
    // earlier test's peak does not hide this one's; without it the measure is only weaker.
    let _ = std::fs::write("/proc/self/clear_refs", "5");
    let before = status_kib("VmHWM");
    run_everywhere(scenario);
    // Another test may shrink the resident set meanwhile; a peak below the start is no growth.
    let growth = status_kib("VmHWM").saturating_sub(before) * 1024;
    eprintln!("{}: peak memory grew by {growth} bytes", scenario.name);
    growth
}

/// The 200 MB event: the peak grows by at most one cap per runtime plus as much again (a
/// buffer may double while it grows), far below what buffering the event would take.
fn bounded_memory_huge_event(scenario: &Scenario) {
    let growth = peak_growth(scenario);
    let bound = RUNTIMES * 2 * limits::HUGE_EVENT_CAP as u64;
    assert!(
        growth < bound && growth < RUNTIMES * limits::HUGE_EVENT,
        "peak memory grew by {growth} bytes (bound {bound})"
    );
}

/// The 100 MB error body: only the error-body cap is kept, so the peak barely moves.
fn bounded_memory_huge_error(scenario: &Scenario) {
    let growth = peak_growth(scenario);
    let bound = 32 << 20;
    assert!(
        growth < bound,
        "peak memory grew by {growth} bytes (bound {bound}) for a {} byte body",
        limits::HUGE_ERROR
    );
}

/// CPU time (user + system, in clock ticks) of each live thread whose name starts with
/// `prefix`, by thread id.
fn thread_ticks(prefix: &str, into: &mut HashMap<String, u64>) {
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
        return;
    };
    for task in tasks.flatten() {
        let Ok(stat) = std::fs::read_to_string(task.path().join("stat")) else {
            continue;
        };
        // `pid (comm) state ...`: the name may hold spaces, so split at the last `)`.
        let (Some(open), Some(close)) = (stat.find('('), stat.rfind(')')) else {
            continue;
        };
        if !stat[open + 1..close].starts_with(prefix) {
            continue;
        }
        let fields: Vec<&str> = stat[close + 1..].split_whitespace().collect();
        // After the name: state is field 3, utime field 14, stime field 15.
        let ticks = |index: usize| fields.get(index - 3).and_then(|f| f.parse::<u64>().ok());
        if let (Some(utime), Some(stime)) = (ticks(14), ticks(15)) {
            let id = task.file_name().to_string_lossy().into_owned();
            let entry = into.entry(id).or_default();
            *entry = (*entry).max(utime + stime);
        }
    }
}

/// The slow drip: the CPU time of the four runtime threads (sampled while they run, so the
/// measure covers this scenario only, not the tests running beside it) stays far below the
/// drip's duration: waiting for a byte must not spin.
fn bounded_cpu_drip(scenario: &Scenario) {
    // Thread names are `{scenario}-{runtime}`, cut to 15 bytes by the kernel.
    let prefix: String = scenario.name.chars().take(15).collect();
    // The test's own thread bears the scenario's name too: left out.
    let mut before = HashMap::new();
    thread_ticks(&prefix, &mut before);
    let done = AtomicBool::new(false);
    let mut ticks = std::thread::scope(|scope| {
        let sampler = std::thread::Builder::new()
            .name("cpu-sampler".into())
            .spawn_scoped(scope, || {
                let mut ticks = HashMap::new();
                while !done.load(Ordering::Relaxed) {
                    thread_ticks(&prefix, &mut ticks);
                    std::thread::sleep(Duration::from_millis(20));
                }
                ticks
            })
            .expect("spawn the sampler");
        run_everywhere(scenario);
        done.store(true, Ordering::Relaxed);
        sampler.join().expect("sampler")
    });
    ticks.retain(|id, _| !before.contains_key(id));
    // One thread per runtime (and any thread a runtime starts, which inherits its name).
    assert!(ticks.len() as u64 >= RUNTIMES, "runtime threads: {ticks:?}");
    // Clock ticks are 10 ms on Linux (`CLK_TCK` = 100).
    let cpu = Duration::from_millis(10 * ticks.values().sum::<u64>());
    let drip = limits::DRIP_DELAY * limits::DRIP_BYTES as u32;
    let bound = drip * RUNTIMES as u32 / 4;
    eprintln!("slow drip: runtime threads used {cpu:?} of CPU (bound {bound:?})");
    assert!(
        cpu < bound,
        "the runtime threads used {cpu:?} of CPU during a {drip:?} drip"
    );
}

scenarios! {
    plain_text,
    reasoning_summaries,
    parallel_function_calls,
    custom_tool_input,
    crlf_line_endings,
    cr_only_line_endings,
    leading_bom,
    invalid_utf8,
    one_byte_drip,
    split_everywhere_odd_chunks,
    head_facts_and_rate_limits,
    request_options_headers,
    failed_context_length_exceeded,
    failed_insufficient_quota,
    failed_usage_not_included,
    failed_rate_limit_exceeded,
    failed_server_is_overloaded,
    failed_server_error,
    failed_unknown_code,
    error_event_flat,
    error_event_nested,
    response_incomplete,
    close_mid_stream,
    close_mid_content_length_body,
    truncated_chunk_encoding,
    stall_hits_idle_timeout,
    stall_hits_provider_idle_timeout,
    keep_alive_comments_outlast_idle_timeout,
    hang_up_then_success,
    hang_up_every_time,
    rate_limited_retry_after_seconds,
    rate_limited_retry_after_ms_exhausted,
    overloaded_503_then_success,
    overloaded_503_exhausted,
    server_errors_exhausted,
    invalid_request_not_retried,
    provider_disables_retries,
    provider_max_retries,
    unauthorized_refresh_then_success,
    unauthorized_twice,
    unauthorized_external_refresh_fails,
    unauthorized_api_key_is_final,
    agent_assertion_for_first_party,
    bearer_for_custom_provider,
    compaction,
    compaction_rejected,
    memories,
    models_typed,
    models_etag,
    should_retry_false_stops_retries,
    should_retry_true_retries_a_conflict,
    retry_after_beyond_the_policy_gives_up,
    insufficient_quota_429_not_retried,
    usage_limit_reached_429,
    not_found_404,
    slow_head_hits_response_timeout_then_success,
    slow_head_every_time,
    huge_error_body_is_bounded,
    wrong_content_type,
    connection_stays_open_after_completion,
    done_sentinel_without_terminal_event,
    input_item_ids_stripped,
    azure_keeps_item_ids_and_stores,
    compaction_item_ids_stripped,
    provider_settings_on_the_wire,
    redirect_is_not_followed,
    empty_event_stream,
    close_right_after_the_head,
    slow_steady_stream_outlasts_idle_timeout,
    server_closes_connection_before_retry,
    unknown_events_are_skipped,
    unary_body_is_not_json,
    unauthorized_managed_steps_fail_transiently,
    unauthorized_refresh_on_models,
    unary_body_stalls_past_response_timeout,
    request_id_falls_back_to_oai_header,
    many_small_events,
    one_byte_drip_bom_crlf,
    stall_before_first_event,
    malformed_event_json,
    response_failed_without_error_object,
    large_request_body,
    invalid_header_value_is_a_build_error,
    connection_refused,
    events_after_the_terminal_event_are_ignored,
    no_content_on_models,
    not_modified_on_models,
    raw_view_head_facts_and_unknown_events,
    raw_view_done_sentinel,
    raw_view_sequence_gap_and_malformed_event,
    oversize_event_past_provider_cap,
    #[ignore = "streams 128 MiB through each runtime (oversize_event_past_provider_cap is the fast one)"]
    oversize_event_at_default_cap,
    connection_refused_five_retries,
    close_at_body_offset_zero,
    close_inside_the_terminal_event,
    invalid_chunk_header_mid_event,
    truncated_chunk_at_event_boundary,
    stall_forever_inside_an_event,
    slow_drip_ten_ms_per_byte with bounded_cpu_drip,
    huge_event_200mb_past_64mib_cap with bounded_memory_huge_event,
    huge_error_body_100mb with bounded_memory_huge_error,
    retry_after_999999_returned_at_once,
    fifty_consecutive_500s,
    unauthorized_forever_managed,
    invalid_utf8_and_nul_in_every_field,
}
