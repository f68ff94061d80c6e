//! The property runner of the fuzz suites (`domain/tests/fuzz_balances_txt.rs` and the Web Service
//! body's in `server/src/web_service/tests/fuzz.rs`, which includes this file with `#[path]`):
//! proptest's `TestRunner` driven by hand, so that a run can report how many inputs it tried and
//! what they answered, and the long runs of `scripts/fuzz` can bound it by time.

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::fmt::Debug;
use std::time::{Duration, Instant};

use proptest::strategy::Strategy;
use proptest::test_runner::{Config, TestCaseError, TestRunner};

/// `VETA_FUZZ_CASES` (underscores and commas allowed), else `default`: cases per property.
pub fn cases(default: u32) -> u32 {
    std::env::var("VETA_FUZZ_CASES")
        .ok()
        .and_then(|text| text.replace(['_', ','], "").parse().ok())
        .unwrap_or(default)
}

/// `VETA_FUZZ_SECONDS`: each property stops drawing new inputs after this many seconds (for the
/// long runs of scripts/fuzz); unset, only the number of cases bounds it.
fn deadline() -> Option<Instant> {
    let seconds: u64 = std::env::var("VETA_FUZZ_SECONDS").ok()?.parse().ok()?;
    Some(Instant::now() + Duration::from_secs(seconds))
}

/// Runs one property on `cases` inputs drawn from `strategy` (fewer if `VETA_FUZZ_SECONDS`
/// passes), shrinking a failure to a minimal input. Prints, as `suite::name`, the number of inputs
/// tried (shrinking included), the time, and how many inputs got each kind of answer (what `test`
/// answers: `ok` or an error's code).
pub fn fuzz<S>(
    suite: &str,
    name: &str,
    cases: u32,
    strategy: S,
    test: impl Fn(S::Value) -> Result<&'static str, TestCaseError>,
) where
    S: Strategy,
    S::Value: Debug,
{
    let config = Config {
        cases,
        failure_persistence: None,
        max_shrink_time: 120_000,
        ..Config::default()
    };
    let deadline = deadline();
    let mut runner = TestRunner::new(config);
    let tried = Cell::new(0u64);
    let answers = RefCell::new(BTreeMap::<&str, u64>::new());
    let started = Instant::now();
    let mut failure = None;
    for _ in 0..cases {
        if deadline.is_some_and(|deadline| Instant::now() >= deadline) {
            break;
        }
        let input = strategy
            .new_tree(&mut runner)
            .unwrap_or_else(|reason| panic!("{suite}::{name}: generator: {reason}"));
        let result = runner.run_one(input, |input| {
            tried.set(tried.get() + 1);
            let answer = test(input)?;
            *answers.borrow_mut().entry(answer).or_default() += 1;
            Ok(())
        });
        if let Err(error) = result {
            failure = Some(error);
            break;
        }
    }
    eprintln!(
        "{suite}::{name}: {} inputs tried ({cases} cases) in {:.1} s; answers: {:?}",
        tried.get(),
        started.elapsed().as_secs_f64(),
        answers.borrow()
    );
    if let Some(error) = failure {
        panic!("{suite}::{name}: {error}");
    }
}
