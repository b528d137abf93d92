//! `interval` and `interval_at`: the schedule, and each missed-tick
//! policy, checked exactly on a paused clock.

use runtime::time::{self, interval, interval_at, Duration, Instant, MissedTickBehavior};
use runtime::{Builder, Runtime};

fn paused() -> Runtime {
    Builder::new()
        .worker_threads(2)
        .start_paused(true)
        .build()
        .unwrap()
}

const PERIOD: Duration = Duration::from_millis(10);

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// Ticks (relative to `start`) taken after missing some: tick at 0, let
/// 35 ms pass (missing the ticks at 10, 20 and 30), then take `n` ticks,
/// recording both when each was scheduled and when it was taken.
async fn ticks_after_missing(behavior: MissedTickBehavior, n: usize) -> Vec<(Duration, Duration)> {
    let start = time::now();
    let mut ticks = interval(PERIOD);
    ticks.set_missed_tick_behavior(behavior);
    assert_eq!(ticks.missed_tick_behavior(), behavior);
    assert_eq!(ticks.tick().await, start);
    time::advance(ms(35)).await;
    let mut out = Vec::new();
    for _ in 0..n {
        let scheduled = ticks.tick().await;
        out.push((scheduled - start, time::now() - start));
    }
    out
}

#[test]
fn ticks_follow_the_schedule_and_the_first_is_immediate() {
    let rt = paused();
    rt.block_on(async {
        let start = time::now();
        let mut ticks = interval(PERIOD);
        assert_eq!(ticks.period(), PERIOD);
        for n in 0..10u32 {
            let at = ticks.tick().await;
            assert_eq!(at - start, PERIOD * n);
            assert_eq!(time::now(), at, "a tick completes at its instant");
        }
    });
}

#[test]
fn slow_work_between_ticks_does_not_make_them_drift() {
    let rt = paused();
    rt.block_on(async {
        let start = time::now();
        let mut ticks = interval(PERIOD);
        for n in 0..5u32 {
            let at = ticks.tick().await;
            assert_eq!(at - start, PERIOD * n);
            // 4 ms of "work": less than a period, so nothing is missed.
            time::advance(ms(4)).await;
        }
    });
}

#[test]
fn burst_catches_up_at_once_then_keeps_the_schedule() {
    let rt = paused();
    rt.block_on(async {
        let got = ticks_after_missing(MissedTickBehavior::Burst, 5).await;
        assert_eq!(
            got,
            vec![
                (ms(10), ms(35)), // missed, taken at once
                (ms(20), ms(35)),
                (ms(30), ms(35)),
                (ms(40), ms(40)), // back on schedule
                (ms(50), ms(50)),
            ]
        );
    });
}

#[test]
fn burst_is_the_default() {
    let rt = paused();
    rt.block_on(async {
        assert_eq!(
            interval(PERIOD).missed_tick_behavior(),
            MissedTickBehavior::Burst
        );
        assert_eq!(MissedTickBehavior::default(), MissedTickBehavior::Burst);
    });
}

#[test]
fn delay_restarts_the_schedule_from_the_late_tick() {
    let rt = paused();
    rt.block_on(async {
        let got = ticks_after_missing(MissedTickBehavior::Delay, 4).await;
        assert_eq!(
            got,
            vec![
                (ms(10), ms(35)), // the late one, at once
                (ms(45), ms(45)), // a period after it was taken
                (ms(55), ms(55)),
                (ms(65), ms(65)),
            ]
        );
    });
}

#[test]
fn skip_drops_the_missed_ticks_and_stays_on_the_grid() {
    let rt = paused();
    rt.block_on(async {
        let got = ticks_after_missing(MissedTickBehavior::Skip, 4).await;
        assert_eq!(
            got,
            vec![
                (ms(10), ms(35)), // the late one, at once
                (ms(40), ms(40)), // the next one on the original grid
                (ms(50), ms(50)),
                (ms(60), ms(60)),
            ]
        );
    });
}

#[test]
fn a_slightly_late_tick_is_not_a_missed_one() {
    // Within 5 ms of its instant, a tick counts as on time whatever the
    // policy: the schedule is kept.
    let rt = paused();
    rt.block_on(async {
        for behavior in [MissedTickBehavior::Delay, MissedTickBehavior::Skip] {
            let start = time::now();
            let mut ticks = interval(PERIOD);
            ticks.set_missed_tick_behavior(behavior);
            ticks.tick().await;
            time::advance(ms(13)).await;
            assert_eq!(ticks.tick().await - start, ms(10));
            assert_eq!(ticks.tick().await - start, ms(20), "{behavior:?}");
        }
    });
}

#[test]
fn interval_at_starts_at_the_given_instant() {
    let rt = paused();
    rt.block_on(async {
        let start = time::now() + Duration::from_secs(60);
        let mut ticks = interval_at(start, Duration::from_secs(1));
        assert_eq!(ticks.tick().await, start);
        assert_eq!(time::now(), start);
        assert_eq!(ticks.tick().await, start + Duration::from_secs(1));
    });
}

#[test]
fn reset_restarts_the_schedule_from_now() {
    let rt = paused();
    rt.block_on(async {
        let start = time::now();
        let mut ticks = interval(PERIOD);
        ticks.tick().await;
        time::advance(ms(3)).await;
        ticks.reset();
        assert_eq!(ticks.tick().await - start, ms(13));
        assert_eq!(ticks.tick().await - start, ms(23));
    });
}

#[test]
fn intervals_in_many_tasks_tick_independently() {
    let rt = paused();
    rt.block_on(async {
        let start = time::now();
        let tasks: Vec<_> = (1..=20u64)
            .map(|p| {
                runtime::spawn(async move {
                    let mut ticks = interval(ms(p));
                    let mut last = Instant::now();
                    for _ in 0..10 {
                        last = ticks.tick().await;
                    }
                    last
                })
            })
            .collect();
        for (p, task) in (1..=20u64).zip(tasks) {
            assert_eq!(task.await.unwrap() - start, ms(9 * p));
        }
    });
}

#[test]
fn ticks_on_the_real_clock_are_never_early() {
    let rt = Builder::new().worker_threads(2).build().unwrap();
    rt.block_on(async {
        let mut ticks = interval(ms(5));
        let first = ticks.tick().await;
        for n in 1..=5u32 {
            let at = ticks.tick().await;
            assert_eq!(at, first + ms(5) * n);
            assert!(Instant::now() >= at);
        }
    });
}

#[test]
fn a_zero_period_panics_with_a_hint() {
    let rt = paused();
    let err = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        rt.block_on(async {
            interval(Duration::ZERO);
        })
    }))
    .unwrap_err();
    let msg = err.downcast_ref::<String>().unwrap();
    assert!(msg.contains("zero period"), "{msg}");
    assert!(msg.contains("Duration::from_millis(1)"), "{msg}");

    let err = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        rt.block_on(async {
            interval_at(time::now(), Duration::ZERO);
        })
    }))
    .unwrap_err();
    assert!(err
        .downcast_ref::<String>()
        .unwrap()
        .contains("interval_at"));
}

#[test]
fn interval_outside_a_runtime_panics_with_a_hint() {
    let err = std::panic::catch_unwind(|| drop(interval(PERIOD))).unwrap_err();
    let msg = err.downcast_ref::<String>().unwrap();
    assert!(
        msg.contains("`runtime::time::interval` was called outside a runtime"),
        "{msg}"
    );
}
