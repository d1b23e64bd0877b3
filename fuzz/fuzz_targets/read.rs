//! The edXML reader on hostile bytes: it may refuse anything, but must
//! never panic, loop or run out of memory, and whatever it accepts must be
//! validated without panicking, written back, read again to the same
//! package, and written again to the same bytes.

#![no_main]

use libfuzzer_sys::fuzz_target;
use nghitruong_edxml::{ReadOptions, ValidateOptions, read, read_with, to_string, validate};

fuzz_target!(|data: &[u8]| {
    // Small limits keep each run short; the limits themselves are tested
    // by the crate's hostile-input tests.
    let options = ReadOptions {
        max_input_bytes: 1 << 20,
        max_attachment_bytes: 1 << 20,
        max_depth: 32,
        max_elements: 10_000,
    };
    let Ok(parsed) = read_with(data, &options) else {
        return;
    };
    let _ = validate(&parsed.package, &ValidateOptions::default());
    let written = to_string(&parsed.package);
    let again = read(written.as_bytes()).expect("the canonical form of an accepted package reads");
    assert_eq!(again, parsed.package, "the rewritten package differs");
    assert_eq!(to_string(&again), written, "writing is not stable");
});
