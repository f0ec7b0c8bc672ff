//! `weightinit init-model`: the same spec on 1 rank gives whole tensors; on 2, 3 or 4 ranks each rank
//! writes its boxes (concurrently), and the boxes placed by `index.json` give those tensors bit for bit;
//! bad specs are one-line errors naming the tensor, and leave no file.

use std::path::{Path, PathBuf};
use std::process::Command;

use weightinit_train::io::{Values, read_safetensors};

const SPEC: &str = r#"{"seed": 5, "dtype": "f32", "tensors": [
  {"name": "embed", "shape": [37, 16], "scheme": "torch:normal_", "params": {"std": 0.02}, "shard": "row"},
  {"name": "qkv", "shape": [16, 48], "scheme": "keras:he_normal", "shard": "col"},
  {"name": "proj", "shape": [48, 16], "scheme": "he-normal", "params": {"mode": "fan_out"}, "layout": "in-out", "shard": "row"},
  {"name": "ortho", "shape": [12, 30], "scheme": "jax:orthogonal", "shard": "col"},
  {"name": "conv", "shape": [3, 3, 8, 12], "scheme": "jax:delta_orthogonal", "shard": "col"},
  {"name": "sparse", "shape": [20, 9], "scheme": "torch:sparse_", "params": {"sparsity": 0.5}, "shard": "col"},
  {"name": "norm", "shape": [16], "scheme": "torch:ones_"},
  {"name": "bias", "shape": [48], "scheme": "torch:zeros_", "shard": "col", "key": 7}
]}"#;

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("weightinit-init-model-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn run(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_weightinit")).args(args).output().unwrap()
}

fn tensors(path: &Path) -> Vec<(String, Vec<usize>, Vec<f32>)> {
    let (t, meta) = read_safetensors(&std::fs::read(path).unwrap()).unwrap();
    assert_eq!(meta["format"], "weightinit-shards");
    t.into_iter()
        .map(|t| {
            let Values::F32(v) = t.values else { panic!("f32") };
            (t.name, t.shape, v)
        })
        .collect()
}

#[test]
fn shards_on_any_rank_count_assemble_to_the_one_rank_tensors() {
    let dir = tmp("ranks");
    let spec = dir.join("spec.json");
    std::fs::write(&spec, SPEC).unwrap();
    let one = dir.join("world-1");
    let o = run(&["init-model", "--quiet", "--spec", spec.to_str().unwrap(), "--out", one.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let whole = tensors(&one.join("rank-0.safetensors"));
    assert_eq!(whole.len(), 8);
    for world in [2usize, 3, 4] {
        let out = dir.join(format!("world-{world}"));
        // Every rank at once, as separate processes.
        let children: Vec<_> = (0..world)
            .map(|r| {
                Command::new(env!("CARGO_BIN_EXE_weightinit"))
                    .args(["init-model", "--quiet", "--spec", spec.to_str().unwrap(), "--out", out.to_str().unwrap()])
                    .args(["--world", &world.to_string(), "--rank", &r.to_string()])
                    .output()
                    .unwrap()
            })
            .collect();
        for c in children {
            assert!(c.status.success(), "{}", String::from_utf8_lossy(&c.stderr));
        }
        let index: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(out.join("index.json")).unwrap()).unwrap();
        assert_eq!(index["world"], world);
        let ranks: Vec<_> = (0..world).map(|r| tensors(&out.join(format!("rank-{r}.safetensors")))).collect();
        for (name, shape, values) in &whole {
            let mut assembled = vec![f32::NAN; values.len()];
            let boxes = index["tensors"][name]["boxes"].as_array().unwrap();
            assert_eq!(boxes.len(), world);
            for b in boxes {
                let r = b["rank"].as_u64().unwrap() as usize;
                let start: Vec<usize> =
                    b["start"].as_array().unwrap().iter().map(|x| x.as_u64().unwrap() as usize).collect();
                let len: Vec<usize> =
                    b["len"].as_array().unwrap().iter().map(|x| x.as_u64().unwrap() as usize).collect();
                let (_, bshape, bv) = ranks[r].iter().find(|t| &t.0 == name).unwrap();
                assert_eq!(bshape, &len);
                // Place the row-major box at `start` in the row-major tensor.
                for (i, &v) in bv.iter().enumerate() {
                    let (mut rest, mut g, mut stride) = (i, 0usize, 1usize);
                    for d in (0..shape.len()).rev() {
                        g += (start[d] + rest % len[d]) * stride;
                        rest /= len[d];
                        stride *= shape[d];
                    }
                    assembled[g] = v;
                }
            }
            let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&assembled), bits(values), "{name} on {world} ranks");
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn bad_specs_name_the_tensor_and_leave_nothing() {
    let dir = tmp("bad");
    let out = dir.join("out");
    let cases = [
        (SPEC.replace("keras:he_normal", "keras:he-normal"), vec![], "tensor 'qkv'"),
        (SPEC.replace("[12, 30]", "[12, 0]"), vec![], "tensor 'ortho'"),
        (SPEC.replace("[3, 3, 8, 12]", "[3, 3, 12, 8]"), vec![], "tensor 'conv'"),
        (SPEC.replace(r#""shard": "row"}"#, r#""shard": "diagonal"}"#), vec![], "shard 'diagonal'"),
        (SPEC.to_string(), vec!["--world", "10"], "tensor 'sparse': dimension 1 of 9 cannot be split across 10 ranks"),
        (SPEC.to_string(), vec!["--world", "2", "--rank", "2"], "rank 2 of a world of 2"),
        ("{not json".to_string(), vec![], "not a JSON spec"),
    ];
    for (i, (text, extra, want)) in cases.iter().enumerate() {
        let spec = dir.join(format!("spec-{i}.json"));
        std::fs::write(&spec, text).unwrap();
        let mut args = vec!["init-model", "--spec", spec.to_str().unwrap(), "--out", out.to_str().unwrap()];
        args.extend(extra.iter().copied());
        let o = run(&args);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{want}: {err}");
        assert!(err.contains(want) && err.lines().count() == 1, "{want}: {err}");
        assert!(!out.exists() || std::fs::read_dir(&out).unwrap().next().is_none(), "{want}: a file was left");
    }
    let _ = std::fs::remove_dir_all(&dir);
}
