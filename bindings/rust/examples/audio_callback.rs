//! A Rust "audio callback": a thread woken with a fixed period (64 frames
//! at 48 kHz by default) that builds its per-cycle data in the heap's
//! frame arena, resets the arena at the end of every cycle, and proves each
//! cycle made zero allocations (RtAlloc is the global allocator; every
//! cycle runs inside `count_allocs`).
//!
//!     cargo run --example audio_callback -- [--cycles N] [--period-us US] [--naughty]
//!
//! --naughty allocates a `Vec` in one cycle of every 100, to show the count
//! catching it (the example then exits 1).  Exit status 0 only when every
//! cycle reset the arena and allocated nothing.

use std::f32::consts::TAU;
use std::thread;
use std::time::{Duration, Instant};

use rtalloc::{count_allocs, rt_section, Arena, Config, Heap, RtAlloc};

#[global_allocator]
static GLOBAL: RtAlloc = RtAlloc;

const FRAMES: usize = 64;
const RATE: f32 = 48000.0;
const VOICES: usize = 8;

struct Options {
    cycles: u64,
    period: Duration,
    naughty: bool,
}

fn options() -> Options {
    let mut o = Options {
        cycles: 1000,
        period: Duration::from_micros(1333), // 64 frames at 48 kHz
        naughty: false,
    };
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut value = |name: &str| -> u64 {
            args.next()
                .and_then(|v| v.parse().ok())
                .unwrap_or_else(|| panic!("{} needs a number", name))
        };
        match a.as_str() {
            "--cycles" => o.cycles = value("--cycles"),
            "--period-us" => o.period = Duration::from_micros(value("--period-us")),
            "--naughty" => o.naughty = true,
            _ => panic!(
                "unknown option {} (--cycles N, --period-us US, --naughty)",
                a
            ),
        }
    }
    o
}

/// What the audio thread keeps between cycles: made at set-up.
struct Synth {
    phase: [f32; VOICES],
    out: Vec<f32>,
    log: Option<Vec<f32>>,
}

/// One note of this cycle, built in the arena.
#[derive(Clone, Copy)]
struct Note {
    voice: usize,
    freq: f32,
    gain: f32,
}

/// The process callback: everything it makes lives in `arena`.
fn process(cycle: u64, arena: &Arena<'_>, synth: &mut Synth, naughty: bool) -> f32 {
    // This cycle's notes: a chord that changes every 50 cycles.
    let root = 110.0 * (1 + (cycle / 50) % 4) as f32;
    let chord = [1.0f32, 1.25, 1.5, 2.0];
    let notes: &mut [Note] = arena.alloc_slice_fill(
        chord.len(),
        Note {
            voice: 0,
            freq: 0.0,
            gain: 0.0,
        },
    );
    for (i, n) in notes.iter_mut().enumerate() {
        *n = Note {
            voice: i,
            freq: root * chord[i],
            gain: 0.2,
        };
    }
    // A scratch buffer per voice, then the mix.
    let mix = arena.alloc_slice_fill(FRAMES, 0.0f32);
    for n in notes.iter() {
        let buf = arena.alloc_slice_fill(FRAMES, 0.0f32);
        let step = TAU * n.freq / RATE;
        let mut ph = synth.phase[n.voice];
        for s in buf.iter_mut() {
            *s = ph.sin() * n.gain;
            ph = (ph + step) % TAU;
        }
        synth.phase[n.voice] = ph;
        for (m, s) in mix.iter_mut().zip(buf.iter()) {
            *m += *s;
        }
    }
    if naughty && cycle % 100 == 99 {
        synth.log = Some(mix.to_vec()); // an allocation in the callback
    }
    synth.out.copy_from_slice(mix);
    let peak = arena.alloc(mix.iter().fold(0.0f32, |a, s| a.max(s.abs())));
    *peak
}

fn main() {
    let opt = options();
    // Set-up, outside the real-time thread: allocations are fine here.
    let heap = Heap::new(&Config {
        pool_bytes: 1 << 20,
        arena_bytes: 64 << 10,
        ..Config::default()
    })
    .expect("rtalloc heap");
    let mut arena = heap.frame_arena().expect("a frame arena");
    let mut synth = Synth {
        phase: [0.0; VOICES],
        out: vec![0.0; FRAMES],
        log: None,
    };

    let report = thread::scope(|scope| {
        let audio = scope.spawn(|| {
            let mut dirty_cycles = 0u64;
            let mut allocs = 0u64;
            let mut late = 0u64;
            let mut peak = 0.0f32;
            let mut deadline = Instant::now();
            for cycle in 0..opt.cycles {
                // Wait for the next period (what a sound card's interrupt does).
                deadline += opt.period;
                let now = Instant::now();
                if deadline > now {
                    thread::sleep(deadline - now);
                } else {
                    late += 1;
                }
                let (p, counts) =
                    count_allocs(|| rt_section(|| process(cycle, &arena, &mut synth, opt.naughty)));
                peak = peak.max(p);
                if counts.allocs != 0 {
                    dirty_cycles += 1;
                    allocs += counts.allocs;
                }
                arena.reset(); // end of the cycle: `notes`, `mix`, buffers gone
            }
            (dirty_cycles, allocs, late, peak)
        });
        audio.join().expect("audio thread")
    });
    let (dirty_cycles, allocs, late, peak) = report;
    let stats = arena.stats();
    println!("cycles: {}", opt.cycles);
    println!("period us: {}", opt.period.as_micros());
    println!("arena resets: {}", stats.resets);
    println!("arena peak bytes: {} of {}", stats.peak, stats.capacity);
    println!(
        "allocations in callback: {} in {} cycles",
        allocs, dirty_cycles
    );
    println!("late wake-ups: {}", late);
    println!("output peak: {:.3}", peak);
    let ok = allocs == 0 && stats.resets == opt.cycles && stats.overflows == 0 && peak > 0.0;
    if !ok {
        eprintln!("audio_callback: FAILED (allocations in the callback, or a cycle without reset)");
        std::process::exit(1);
    }
}
