//! `weightinit-mpi`: whole models initialized across MPI ranks, and data-parallel training.
//!
//! `mpirun -np N weightinit-mpi train [every flag of weightinit train]`: every rank reads the data and runs
//! `weightinit train`'s loop; each step's gradient chunks are computed on the ranks that own them and added
//! in chunk order through an all-to-all and an all-gather ([`MpiComm`], the `Collective` of
//! `weightinit_train::model::ranks`), so losses, JSON and saved weights are those of `weightinit train`
//! with the same flags, bit for bit, for any N and `--threads`. Rank 0 prints and writes the files.
//!
//! `mpirun -np N weightinit-mpi init-model --spec model.json --out DIR [--verify]`: every rank fills and
//! writes only its boxes of every tensor (`DIR/rank-R.safetensors`, the boxes of `weightinit init-model
//! --world N --rank R`), with no communication during the fill: element `i` of a tensor is a pure function
//! of (seed, key, i). Rank 0 also writes `DIR/index.json`. With `--verify`, rank 0 then receives every
//! rank's box of every tensor straight into its place in a whole-tensor buffer, through an MPI derived
//! datatype (a vector type for a column block: no packing), and compares the whole with a single-process
//! fill, bit for bit.

use std::path::PathBuf;

use mpi::datatype::{MutView, Partition, PartitionMut, UserDatatype};
use mpi::traits::*;
use weightinit_core::{Float, Stream};
use weightinit_train::spec::{Dtype, ModelSpec, ShardKind, TensorSpec, write_rank};

struct Args {
    spec: PathBuf,
    out: PathBuf,
    verify: bool,
}

fn usage(msg: &str) -> ! {
    eprintln!(
        "weightinit-mpi: error: {msg}\nusage: mpirun -np N weightinit-mpi init-model --spec FILE --out DIR [--verify]\n       mpirun -np N weightinit-mpi train [flags of weightinit train]"
    );
    std::process::exit(2)
}

/// The job's communicator as the trainer's `Collective`.
struct MpiComm {
    world: mpi::topology::SimpleCommunicator,
}

// SAFETY: MPI is initialized with `Threading::Serialized` for `train`, and the trainer calls the
// collectives from one thread at a time (the thread running the step, between the step's parallel
// phases); the communicator handle itself is never mutated.
unsafe impl Sync for MpiComm {}

/// `counts` as MPI counts with their displacements; aborts the job if a count does not fit MPI's `int`.
fn partition(comm: &MpiComm, counts: &[usize]) -> (Vec<mpi::Count>, Vec<mpi::Count>) {
    let c: Vec<mpi::Count> =
        counts.iter().map(|&n| mpi::Count::try_from(n).unwrap_or_else(|_| too_big(comm))).collect();
    let mut at = 0usize;
    let d = counts
        .iter()
        .map(|&n| {
            let here = mpi::Count::try_from(at).unwrap_or_else(|_| too_big(comm));
            at += n;
            here
        })
        .collect();
    (c, d)
}

fn too_big(comm: &MpiComm) -> ! {
    eprintln!("weightinit-mpi: a gradient exchange exceeds MPI's 2^31 - 1 values per message");
    comm.world.abort(2)
}

impl weightinit_train::model::ranks::Collective for MpiComm {
    fn rank(&self) -> usize {
        self.world.rank() as usize
    }
    fn size(&self) -> usize {
        self.world.size() as usize
    }
    fn all_gather_f64(&self, mine: &[f64], counts: &[usize], all: &mut [f64]) {
        let (c, d) = partition(self, counts);
        self.world.all_gather_varcount_into(mine, &mut PartitionMut::new(all, c, d));
    }
    fn all_gather_f32(&self, mine: &[f32], counts: &[usize], all: &mut [f32]) {
        let (c, d) = partition(self, counts);
        self.world.all_gather_varcount_into(mine, &mut PartitionMut::new(all, c, d));
    }
    fn all_to_all_f32(&self, send: &[f32], send_counts: &[usize], recv: &mut [f32], recv_counts: &[usize]) {
        let (sc, sd) = partition(self, send_counts);
        let (rc, rd) = partition(self, recv_counts);
        self.world.all_to_all_varcount_into(&Partition::new(send, sc, sd), &mut PartitionMut::new(recv, rc, rd));
    }
}

/// `weightinit-mpi train ...`: `weightinit train` on every rank, the gradient shared.
fn train() {
    let (universe, threading) = mpi::initialize_with_threading(mpi::Threading::Serialized)
        .unwrap_or_else(|| usage("MPI could not be initialized"));
    if threading < mpi::Threading::Serialized {
        usage("this MPI library cannot be called from a worker thread (MPI_THREAD_SERIALIZED)");
    }
    let comm = MpiComm { world: universe.world() };
    // The flags go to weightinit's own parser: `weightinit-mpi train --help` shows weightinit train's help.
    if let Err(e) = weightinit_train::cli::run_train_ranks(std::env::args_os(), &comm) {
        let line = e.line();
        if !line.is_empty() {
            eprintln!("{}", line.replacen("weightinit", &format!("weightinit-mpi (rank {})", comm.world.rank()), 1));
        }
        // Every rank reaches the same error on the same arguments; a rank alone in error stops the job.
        comm.world.abort(e.exit_code());
    }
}

fn parse_args() -> Args {
    let mut it = std::env::args().skip(1);
    if it.next().as_deref() != Some("init-model") {
        usage("the command is init-model or train");
    }
    let (mut spec, mut out, mut verify) = (None, None, false);
    while let Some(a) = it.next() {
        match a.as_str() {
            "--spec" => spec = it.next().map(PathBuf::from),
            "--out" => out = it.next().map(PathBuf::from),
            "--verify" => verify = true,
            other => usage(&format!("unexpected argument '{other}'")),
        }
    }
    Args {
        spec: spec.unwrap_or_else(|| usage("--spec FILE is required")),
        out: out.unwrap_or_else(|| usage("--out DIR is required")),
        verify,
    }
}

/// Tensor `t`'s box on `rank` of `world`, filled.
fn fill_box<T: Float>(spec: &ModelSpec, t: &TensorSpec, world: usize, rank: usize) -> Vec<T> {
    let (start, len) = t.rank_box(world, rank);
    let mut v = vec![T::ZERO; len.iter().product()];
    let mut ws = vec![0.0f64; t.init.shard_workspace_len(&t.shape, &start, &len).expect("checked spec")];
    t.init
        .fill_shard(&Stream::new(spec.seed, t.key), &t.shape, t.layout, &start, &len, &mut v, &mut ws)
        .expect("checked spec");
    v
}

/// Every rank sends its box of `t` to rank 0, which receives each into its place in the whole tensor
/// through a derived datatype and compares with a single-process fill. True on rank 0 if identical.
fn verify_tensor<T: Float + Equivalence, C: Communicator>(comm: &C, spec: &ModelSpec, t: &TensorSpec) -> bool {
    let (world, rank) = (comm.size() as usize, comm.rank() as usize);
    let mine = fill_box::<T>(spec, t, world, rank);
    if rank != 0 {
        comm.process_at_rank(0).send(&mine[..]);
        return true;
    }
    let n: usize = t.shape.iter().product();
    let mut whole = vec![T::ZERO; n];
    let last = *t.shape.last().expect("rank >= 1");
    for r in 0..world {
        let (start, len) = t.rank_box(world, r);
        let at: usize = start.iter().zip(&t.shape).fold(0, |acc, (&s, &d)| acc * d + s);
        match t.shard {
            // A column block: `rows` blocks of `len[last]` values, `last` apart in the whole tensor.
            ShardKind::Col if t.shape.len() > 1 => {
                let rows = (n / last) as i32;
                let ty = UserDatatype::vector(rows, len[len.len() - 1] as i32, last as i32, &T::equivalent_datatype());
                if r == 0 {
                    // Rank 0's own block, row by row.
                    let w = len[len.len() - 1];
                    for (i, row) in mine.chunks_exact(w).enumerate() {
                        whole[at + i * last..at + i * last + w].copy_from_slice(row);
                    }
                } else {
                    // SAFETY: the view is `rows` blocks of the box's width, `last` apart, from the box's first
                    // element: all inside `whole[at..]` because the box lies in the tensor.
                    let mut dst = unsafe { MutView::with_count_and_datatype(&mut whole[at..], 1, &ty) };
                    comm.process_at_rank(r as i32).receive_into(&mut dst);
                }
            }
            // Rows (or a whole tensor, or a rank-1 column split): one contiguous range.
            _ => {
                let count: usize = len.iter().product();
                if r == 0 {
                    whole[at..at + count].copy_from_slice(&mine);
                } else {
                    comm.process_at_rank(r as i32).receive_into(&mut whole[at..at + count]);
                }
            }
        }
    }
    let mut single = vec![T::ZERO; n];
    let mut ws = vec![0.0f64; t.init.workspace_len(&t.shape).expect("checked spec")];
    t.init.fill(&Stream::new(spec.seed, t.key), &t.shape, t.layout, &mut single, &mut ws).expect("checked spec");
    whole.iter().zip(&single).all(|(a, b)| a.to_bits_u64() == b.to_bits_u64())
}

fn main() {
    if std::env::args().nth(1).as_deref() == Some("train") {
        return train();
    }
    let args = parse_args();
    let universe = mpi::initialize().unwrap_or_else(|| usage("MPI could not be initialized"));
    let comm = universe.world();
    let (world, rank) = (comm.size() as usize, comm.rank() as usize);
    let text =
        std::fs::read_to_string(&args.spec).unwrap_or_else(|e| usage(&format!("--spec {}: {e}", args.spec.display())));
    let spec = ModelSpec::parse(&text).unwrap_or_else(|e| usage(&format!("--spec {}: {e}", args.spec.display())));
    if let Err(e) = spec.check_ranks(world, rank) {
        usage(&format!("--spec {}: {e}", args.spec.display()));
    }
    if let Err(e) = std::fs::create_dir_all(&args.out) {
        usage(&format!("--out {}: {e}", args.out.display()));
    }
    comm.barrier();
    let t0 = mpi::time();
    let written = match write_rank(&spec, &args.out, world, rank) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("weightinit-mpi: rank {rank}: {e}");
            comm.abort(1);
        }
    };
    comm.barrier();
    let secs = mpi::time() - t0;
    let mut total = 0u64;
    if rank == 0 {
        comm.this_process().reduce_into_root(&written, &mut total, mpi::collective::SystemOperation::sum());
        println!(
            "{} ranks: {} tensors, {:.1} MB in {:.2} s ({:.2} GB/s), files in {}",
            world,
            spec.tensors.len(),
            total as f64 / 1e6,
            secs,
            total as f64 / secs / 1e9,
            args.out.display()
        );
    } else {
        comm.process_at_rank(0).reduce_into(&written, mpi::collective::SystemOperation::sum());
    }
    if args.verify {
        let mut ok = true;
        for t in &spec.tensors {
            let same = match spec.dtype {
                Dtype::F32 => verify_tensor::<f32, _>(&comm, &spec, t),
                Dtype::F64 => verify_tensor::<f64, _>(&comm, &spec, t),
            };
            if !same {
                eprintln!("weightinit-mpi: verify: tensor '{}' differs from a single-process fill", t.name);
                ok = false;
            }
        }
        comm.barrier();
        if rank == 0 {
            if !ok {
                comm.abort(1);
            }
            println!(
                "verify: the {} tensors gathered from {} ranks equal a single-process fill bit for bit",
                spec.tensors.len(),
                world
            );
        }
    }
}
