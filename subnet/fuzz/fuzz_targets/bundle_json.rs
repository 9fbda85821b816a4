//! `audit_bundle` on any bytes: the auditor never panics, and a file that is not a bundle fails
//! its audit with a reason.
#![no_main]

use libfuzzer_sys::fuzz_target;
use zkyuma_subnet::audit::audit_bundle;

fuzz_target!(|data: &[u8]| {
    let (audit, bundle) = audit_bundle(std::path::Path::new("fuzz.json"), data, None, None);
    if bundle.is_none() {
        assert!(!audit.failures.is_empty(), "an unread bundle must fail its audit");
    }
});
