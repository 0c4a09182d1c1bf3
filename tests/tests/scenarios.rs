//! Every row of the scenario table, run through every runtime (tokio, async-std, smol,
//! blocking): identical observations, plus each row's own expectations.

use codex_api_tests::{run_everywhere, table};

macro_rules! scenarios {
    ($($(#[$attr:meta])* $name:ident,)*) => {
        $(
            #[test]
            $(#[$attr])*
            fn $name() {
                let scenario = table::by_name(stringify!($name)).expect("scenario in the table");
                run_everywhere(&scenario);
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
}
