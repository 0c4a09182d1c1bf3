//! The observability tags of an [`AuthRecovery`]: ordered key/value pairs, no secrets.

use super::evidence::UnauthorizedEvidence;
use super::recovery::AuthRecovery;

impl AuthRecovery {
    /// Ordered key/value tags describing the recovery so far. State keys are always present;
    /// the `*request_id`, `*cf_ray`, `*error` and `*error_code` keys only when the evidence has
    /// them. Every value is bounded and masked; none is a credential.
    ///
    /// | key | values |
    /// |-----|--------|
    /// | `auth_header_attached` | `true`, `false`, `unknown` (scheme not known) — of the latest 401 |
    /// | `auth_header_name` | `authorization` when attached, else `none` / `unknown` |
    /// | `auth_header_scheme` | `bearer`, `agent_assertion`, `none`, `unknown` |
    /// | `auth_mode` | the caller's credentials label given to [`AuthRecovery::new`] |
    /// | `auth_retry_after_unauthorized` | `true` once a follow-up request was sent, else `false` |
    /// | `auth_recovery_mode` | `managed`, `external`, `none` |
    /// | `auth_recovery_phase` | the last step started: `reload`, `refresh_token`, `external_refresh`, or `none` |
    /// | `auth_recovery_outcome` | `recovery_succeeded`, `recovery_failed_permanent`, `recovery_failed_transient` (also: the step gave nothing new), `recovery_not_run` — of the last step |
    /// | `auth_recovery_followup_success` | `true` (last follow-up got a 2xx), `false`, `none` (no follow-up sent) |
    /// | `auth_recovery_followup_status` | the last follow-up's status code (`200`, `401`, …) or `none` |
    /// | `auth_request_id`, `auth_cf_ray` | request id and `cf-ray` of the latest 401 |
    /// | `auth_error` | `x-openai-authorization-error` of the latest 401 |
    /// | `auth_error_code` | `x-error-json` code of the latest 401, else its body code |
    /// | `auth_failure` | the latest 401's classification ([`AuthFailure::as_str`](super::AuthFailure::as_str)) |
    /// | `auth_401_request_id`, `auth_401_cf_ray`, `auth_401_error`, `auth_401_error_code` | the same facts of the first 401 |
    pub fn tags(&self) -> Vec<(&'static str, String)> {
        let latest = self.latest.as_ref();
        let attached = latest.and_then(UnauthorizedEvidence::auth_header_attached);
        let mut tags: Vec<(&'static str, String)> = vec![
            (
                "auth_header_attached",
                attached
                    .map_or("unknown", |a| if a { "true" } else { "false" })
                    .into(),
            ),
            (
                "auth_header_name",
                attached
                    .map_or("unknown", |a| if a { "authorization" } else { "none" })
                    .into(),
            ),
            (
                "auth_header_scheme",
                latest
                    .and_then(|e| e.auth_scheme)
                    .map_or("unknown", |s| s.as_str())
                    .into(),
            ),
            ("auth_mode", self.auth_mode.clone()),
            (
                "auth_retry_after_unauthorized",
                (self.followups_sent > 0).to_string(),
            ),
            ("auth_recovery_mode", self.mode.as_str().into()),
            (
                "auth_recovery_phase",
                self.last_step.map_or("none", |s| s.as_str()).into(),
            ),
            ("auth_recovery_outcome", self.outcome.as_str().into()),
            (
                "auth_recovery_followup_success",
                self.followup_status
                    .map_or("none".into(), |s| s.is_success().to_string()),
            ),
            (
                "auth_recovery_followup_status",
                self.followup_status
                    .map_or("none".into(), |s| s.as_u16().to_string()),
            ),
        ];
        if let Some(evidence) = latest {
            push_facts(
                &mut tags,
                evidence,
                [
                    "auth_request_id",
                    "auth_cf_ray",
                    "auth_error",
                    "auth_error_code",
                ],
            );
            tags.push(("auth_failure", evidence.classify().as_str().into()));
        }
        if let Some(evidence) = &self.first {
            push_facts(
                &mut tags,
                evidence,
                [
                    "auth_401_request_id",
                    "auth_401_cf_ray",
                    "auth_401_error",
                    "auth_401_error_code",
                ],
            );
        }
        tags
    }
}

fn push_facts(
    tags: &mut Vec<(&'static str, String)>,
    evidence: &UnauthorizedEvidence,
    [request_id, cf_ray, error, error_code]: [&'static str; 4],
) {
    let facts = [
        (request_id, evidence.request_id.as_deref()),
        (cf_ray, evidence.cf_ray.as_deref()),
        (error, evidence.authorization_error.as_deref()),
        (error_code, evidence.error_code()),
    ];
    for (key, value) in facts {
        if let Some(value) = value {
            tags.push((key, value.to_string()));
        }
    }
}
