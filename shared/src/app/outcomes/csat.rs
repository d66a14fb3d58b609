//! The CSAT survey: after a close whose window is still open, the approved template
//! `CSAT_CONTENT_SID` goes to the customer once; their answer within `CSAT_WAIT_MINUTES` (a
//! button payload or a message that is just a digit 1–5) is stored on the closed conversation
//! and opens no new request.

/// `CSAT_CONTENT_SID` and `CSAT_WAIT_MINUTES`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsatSettings {
    pub content_sid: String,
    pub wait: chrono::TimeDelta,
}
