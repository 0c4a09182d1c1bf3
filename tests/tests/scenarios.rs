//! Every row of the scenario table, run through every runtime (tokio, async-std, smol,
//! blocking): identical observations, plus each row's own expectations.
//!
//! A few rows are run by a measuring runner (`name with runner`): the runner calls
//! `run_everywhere` and also bounds a resource the observation cannot show (CPU time, peak
//! memory).

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::process::Command;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use codex_api_core::credentials::Credentials;
use codex_api_core::provider::Provider;
use codex_api_testkit::{Script, ScriptedResponse, TestServer, Transcript};
use codex_api_tests::auth::ScriptedAuth;
use codex_api_tests::runtime::{self, AttemptSink};
use codex_api_tests::scenario::{Step, Until};
use codex_api_tests::table::faults as limits;
use codex_api_tests::{CallSpec, ErrorFacts, Outcome, Phase, Scenario, run_everywhere, table};

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

/// The 50 MB stream: read as fast as it is consumed, it leaves the peak where it was, give or
/// take buffers; keeping it would take 50 MB per runtime.
fn bounded_memory_flat_stream(scenario: &Scenario) {
    let growth = peak_growth(scenario);
    let bound = 32 << 20;
    assert!(
        growth < bound,
        "peak memory grew by {growth} bytes (bound {bound}) over {} MB per runtime",
        limits::FLAT_EVENTS * limits::FLAT_DELTA / 1_000_000
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

/// A one-shot raw server: answers one request with an event stream that never ends, then
/// reports when the client closed the connection (end of stream or reset), or `None` if it
/// did not within 10 s.
fn endless_server() -> (String, mpsc::Receiver<Option<Instant>>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}/v1", listener.local_addr().expect("address"));
    let (closed_tx, closed_rx) = mpsc::channel();
    std::thread::spawn(move || {
        let (mut socket, _) = listener.accept().expect("accept");
        let mut head = Vec::new();
        let mut byte = [0_u8; 1];
        while !head.ends_with(b"\r\n\r\n") {
            socket.read_exact(&mut byte).expect("request head");
            head.push(byte[0]);
        }
        let length: usize = String::from_utf8_lossy(&head)
            .lines()
            .find_map(|line| {
                let line = line.to_ascii_lowercase();
                line.strip_prefix("content-length:")
                    .and_then(|value| value.trim().parse().ok())
            })
            .expect("content-length");
        socket
            .read_exact(&mut vec![0_u8; length])
            .expect("request body");
        let event = Transcript::new().created().to_bytes();
        write!(
            socket,
            "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n\
             transfer-encoding: chunked\r\n\r\n{:x}\r\n",
            event.len()
        )
        .and_then(|()| socket.write_all(&event))
        .and_then(|()| socket.write_all(b"\r\n"))
        .expect("response");
        // Only the client can end this response. A close is an end of stream or, when the
        // client closed with bytes of ours unread (a timing matter), a reset.
        socket
            .set_read_timeout(Some(Duration::from_secs(10)))
            .expect("read timeout");
        let closed = match socket.read_to_end(&mut Vec::new()) {
            Ok(_) => true,
            Err(error) => error.kind() == std::io::ErrorKind::ConnectionReset,
        };
        let _ = closed_tx.send(closed.then(Instant::now));
    });
    (url, closed_rx)
}

/// How long a client lives on after dropping the endless stream.
const HOLD: Duration = Duration::from_millis(600);

/// The dropped stream: besides the row (the next call opens a new connection), every runtime
/// drops a stream of an endless response and must close its socket at once, while the client
/// lives on (a pool that kept the connection would close it only with the client).
fn closes_the_socket_on_drop(scenario: &Scenario) {
    run_everywhere(scenario);
    let call = CallSpec::sequence([
        Step::StreamAndDrop(Box::new(table::request()), Until::Events(1)),
        Step::Pause(HOLD),
    ]);
    std::thread::scope(|scope| {
        for runtime in runtime::all() {
            let (call, config) = (&call, &scenario.config);
            scope.spawn(move || {
                let (url, closed) = endless_server();
                let provider = Provider::custom("endless", url).expect("provider");
                let auth = ScriptedAuth::fixed(Credentials::api_key("sk-test"));
                let execution =
                    runtime.execute(provider, config, auth, AttemptSink::default(), call);
                let returned = Instant::now();
                let name = runtime.name();
                assert_eq!(
                    execution.outcome,
                    Outcome::Steps(vec![Outcome::Dropped]),
                    "{name}"
                );
                let closed_at = closed
                    .recv_timeout(Duration::from_secs(15))
                    .expect("the server reports")
                    .unwrap_or_else(|| panic!("{name}: the connection was never closed"));
                assert!(
                    closed_at + HOLD / 2 <= returned,
                    "{name}: the connection was closed only {:?} before the client went away",
                    returned.saturating_duration_since(closed_at)
                );
            });
        }
    });
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
    send_streaming_prepared_request,
    send_streaming_yields_what_stream_yields,
    send_streaming_fails_as_stream_fails,
    send_unary_yields_the_body,
    send_unary_keeps_a_streamed_reply_as_bytes,
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
    input_item_ids_kept_when_stored,
    azure_keeps_item_ids_and_stores,
    compaction_item_ids_kept,
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
    failed_rate_limit_with_retry_delay,
    error_event_overloaded,
    error_event_nested_without_code,
    forbidden_403,
    unprocessable_422,
    teapot_418_unexpected_status,
    usage_not_included_403,
    cyber_policy_400,
    conflict_409_retried,
    unary_chunked_body_stalls_past_response_timeout,
    error_body_cut_still_classified,
    server_errors_then_success,
    redirect_on_models_is_not_followed,
    models_etag_header_wins_over_body,
    calls_reuse_one_connection,
    finished_streams_give_their_connection_back,
    finished_chunked_stream_gives_its_connection_back,
    server_closed_connection_is_not_reused,
    dropped_stream_closes_its_connection with closes_the_socket_on_drop,
    idle_timed_out_stream_is_not_pooled,
    tls_with_a_custom_ca_bundle,
    tls_unknown_issuer_not_retried,
    tls_to_a_plain_server_not_retried,
    ca_bundle_missing_file,
    ca_bundle_without_a_certificate,
    ca_bundle_not_pem,
    proxy_tunnels_https_with_connect,
    proxy_refusing_the_tunnel_is_retried,
    proxied_connections_are_reused,
    proxy_carries_plain_http,
    no_proxy_hosts_are_reached_directly,
    no_proxy_cidr_is_reached_directly,
    no_proxy_wildcard_reaches_every_host_directly,
    proxy_url_without_scheme_is_http,
    proxy_url_unclosed_ipv6,
    proxy_url_socks5,
    proxy_url_https,
    proxy_url_without_host,
    proxy_url_port_out_of_range,
    fifty_megabytes_in_flat_memory with bounded_memory_flat_stream,
    background_stream_resumes_after_eof,
    background_stream_resumes_after_a_reset,
    background_stream_resumes_after_a_stall,
    background_resume_drops_duplicates,
    background_resume_with_a_gap_is_a_sequence_gap,
    background_resume_finds_the_response_cancelled,
    background_resume_finds_the_response_failed,
    background_resume_of_a_missing_response_is_not_found,
    background_resume_retries_a_503_within_the_resume,
    background_resume_budget_is_spent,
    a_stream_that_is_not_background_is_not_resumed,
    retrieve_stream_from_a_sequence_number,
    a_cut_retrieve_stream_resumes_too,
    create_response_not_streamed,
    retrieve_response_with_include,
    response_ids_are_one_path_segment,
    an_empty_response_id_is_a_build_error,
    retrieve_of_a_missing_response_is_not_found,
    cancel_response,
    delete_response,
    input_items_one_page,
    input_items_pager_reads_every_page_lazily,
    a_page_with_more_but_no_cursor_is_a_protocol_error,
    count_input_tokens,
    a_count_without_the_number_is_a_protocol_error,
    final_response_of_a_stream,
    final_response_of_a_failed_stream_is_its_error,
    a_response_runs_in_a_conversation,
    conversation_create,
    conversation_lifecycle,
    conversation_items_pager,
    websocket_turns_on_one_connection_with_deflate,
    websocket_turns_without_deflate,
    websocket_wrapped_429_is_retried_on_the_connection,
    websocket_wrapped_400_is_the_error,
    websocket_close_mid_response_is_stream_truncated,
    websocket_connection_limit_reconnects,
    websocket_previous_response_not_found_resends_in_full,
    websocket_ping_first_and_fragmented_messages,
    websocket_binary_frame_is_a_protocol_error,
    background_over_websocket_is_refused,
    websocket_upgrade_401_is_recovered,
    websocket_stall_hits_idle_timeout,
    websocket_transport_falls_back_to_http_on_426,
    websocket_transport_streams_over_the_connection,
    websocket_over_tls,
    websocket_warm_up_then_a_chained_turn,
    websocket_upgrade_429_is_retried_and_the_101_gives_header_facts,
    websocket_401_error_message_is_recovered_on_a_new_connection,
}

/// Set in the child process of the `from_env` tests to what each runtime's call must give:
/// `models`, or the `Debug` of the `ConfigError` that `from_env` must fail with.
const CHILD: &str = "CODEX_API_TESTS_FROM_ENV_EXPECT";

/// Set in the child to the runtimes (comma-separated) excluded because of a bug: they must
/// still give something else, or the exclusion is stale.
const CHILD_EXCLUDED: &str = "CODEX_API_TESTS_FROM_ENV_EXCLUDED";

/// The variables a child starts without (the parent's environment may have some).
const VARIABLES: [&str; 12] = [
    "OPENAI_API_KEY",
    "OPENAI_BASE_URL",
    "OPENAI_ORG_ID",
    "OPENAI_PROJECT_ID",
    "HTTPS_PROXY",
    "https_proxy",
    "HTTP_PROXY",
    "http_proxy",
    "ALL_PROXY",
    "all_proxy",
    "NO_PROXY",
    "no_proxy",
];

/// This test binary, re-run as a child running only `from_env_child` with `variables` set and
/// none of [`VARIABLES`] besides (setting variables in a threaded test process is unsound);
/// `expect` is what each runtime's `list_models` must give, except the `excluded` ones.
fn run_child(expect: &str, excluded: &[&str], variables: &[(&str, String)]) {
    let mut command = Command::new(std::env::current_exe().expect("the test binary"));
    command
        .args(["--exact", "from_env_child", "--nocapture"])
        .env(CHILD, expect)
        .env(CHILD_EXCLUDED, excluded.join(","));
    for name in VARIABLES {
        command.env_remove(name);
    }
    for (name, value) in variables {
        command.env(name, value);
    }
    let output = command.output().expect("run the child");
    assert!(
        output.status.success(),
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// In the child: `list_models` with `Client::from_env()` on every runtime, in turn; each must
/// give what the parent expects, and show no secret of the environment.
#[test]
fn from_env_child() {
    let Some(expect) = std::env::var_os(CHILD) else {
        return; // only meaningful inside the children started below
    };
    let expect = expect.to_string_lossy();
    let excluded = std::env::var(CHILD_EXCLUDED).unwrap_or_default();
    let mut problems = Vec::new();
    for runtime in runtime::all() {
        let execution = runtime.execute_from_env(&CallSpec::Models(None));
        let name = runtime.name();
        let as_expected = match &execution.outcome {
            Outcome::Models(_) => expect == "models",
            Outcome::Failed(ErrorFacts {
                phase: Phase::Build,
                detail,
                ..
            }) => detail.starts_with(&format!("{expect}:")),
            _ => false,
        };
        match (as_expected, excluded.split(',').any(|n| n == name)) {
            (true, true) => problems.push(format!(
                "{name} is excluded but now gives {expect}: remove the exclusion"
            )),
            (false, false) => problems.push(format!(
                "{name}: expected {expect}, got {:?}",
                execution.outcome
            )),
            _ => {}
        }
        for shown in &execution.shown {
            if shown.contains("sk-from-env") || shown.contains("hunter2") {
                problems.push(format!("{name} shows a secret: {shown}"));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// `user:hunter2` in base64: what `Proxy-Authorization` carries.
const PROXY_BASIC: &str = "Basic dXNlcjpodW50ZXIy";

#[test]
fn from_env_reads_key_base_url_organization_and_project_on_every_runtime() {
    let runtimes = runtime::all().len();
    let script = (0..runtimes).fold(Script::new(), |script, _| {
        script.then(ScriptedResponse::models(Vec::new(), "\"e\""))
    });
    let server = TestServer::start(script).expect("start the test server");
    run_child(
        "models",
        &[],
        &[
            ("OPENAI_API_KEY", "sk-from-env".into()),
            ("OPENAI_BASE_URL", format!("{}/v1", server.url())),
            ("OPENAI_ORG_ID", "org-1".into()),
            ("OPENAI_PROJECT_ID", "proj-1".into()),
            // Proxies come from the environment: a dead one, which `no_proxy` bypasses.
            ("ALL_PROXY", "http://user:hunter2@127.0.0.1:9".into()),
            ("no_proxy", "127.0.0.1".into()),
        ],
    );
    let requests = server.wait_for_requests(runtimes, Duration::from_secs(5));
    assert_eq!(requests.len(), runtimes);
    for request in &requests {
        assert_eq!(request.path, "/v1/models");
        assert_eq!(request.header("authorization"), Some("Bearer sk-from-env"));
        assert_eq!(request.header("openai-organization"), Some("org-1"));
        assert_eq!(request.header("openai-project"), Some("proj-1"));
        assert_eq!(request.header("proxy-authorization"), None);
    }
}

#[test]
fn from_env_honours_the_proxy_variables_on_every_runtime() {
    // The test server plays the proxy (the host does not resolve: only a proxy reaches it).
    let absolute = "http://api.example.test/v1/models";
    let models = || ScriptedResponse::models(Vec::new(), "\"e\"");
    let script = (0..runtime::all().len())
        .fold(Script::new(), |script, _| {
            script.on("GET", absolute, models())
        })
        .on("CONNECT", "api.example.test:80", ScriptedResponse::new(200))
        .on("GET", "/v1/models", models());
    let proxy = TestServer::start(script).expect("start the proxy");
    run_child(
        "models",
        &[],
        &[
            ("OPENAI_API_KEY", "sk-from-env".into()),
            ("OPENAI_BASE_URL", "http://api.example.test/v1".into()),
            // Lowercase (uppercase unset); `NO_PROXY` names other hosts.
            (
                "http_proxy",
                format!("http://user:hunter2@{}", proxy.addr()),
            ),
            ("NO_PROXY", "localhost, 10.0.0.0/8".into()),
        ],
    );
    let seen: Vec<(String, String, Option<String>)> = proxy
        .requests()
        .iter()
        .map(|request| {
            let credentials = request.header("proxy-authorization").map(str::to_owned);
            (request.method.clone(), request.path.clone(), credentials)
        })
        .collect();
    let through = |method: &str, path: &str, credentials: Option<&str>| {
        (
            method.to_owned(),
            path.to_owned(),
            credentials.map(str::to_owned),
        )
    };
    // tokio, async-std and smol in absolute form; blocking (ureq) through a CONNECT tunnel.
    assert_eq!(
        seen,
        [
            through("GET", absolute, Some(PROXY_BASIC)),
            through("GET", absolute, Some(PROXY_BASIC)),
            through("GET", absolute, Some(PROXY_BASIC)),
            through("CONNECT", "api.example.test:80", Some(PROXY_BASIC)),
            through("GET", "/v1/models", None),
        ]
    );
}

#[test]
fn from_env_without_a_key_is_a_config_error_on_every_runtime() {
    run_child("MissingApiKey", &[], &[]);
}

#[test]
fn from_env_with_an_unusable_proxy_variable_is_a_config_error_on_every_runtime() {
    // Every runtime resolves the variables with the core's `ProxyRules`: a `socks5://`
    // `HTTPS_PROXY` is refused, never silently bypassed.
    run_child(
        "Proxy",
        &[],
        &[
            ("OPENAI_API_KEY", "sk-from-env".into()),
            // Local only, should a runtime go ahead: nothing listens on either port.
            ("OPENAI_BASE_URL", "https://127.0.0.1:9/v1".into()),
            ("HTTPS_PROXY", "socks5://user:hunter2@127.0.0.1:1080".into()),
        ],
    );
}
