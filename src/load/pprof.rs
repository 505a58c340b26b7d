//! pprof protobuf loader (any profile type).
//!
//! Everything in the protobuf is untrusted: every string, location, function
//! and mapping reference is checked before it is followed, and each violation
//! is a one-line error naming what and which index.
//!
//! The profile kind comes from the sample types and period type, as
//! `runtime/pprof` writes them:
//!
//! | kind          | sample types                                              |
//! |---------------|-----------------------------------------------------------|
//! | goroutine     | `goroutine/count`                                         |
//! | goroutineleak | `goroutineleak/count`: `printCountProfile` names the sample and period types after the profile, so the proto of a leak profile says so (checked in the Go 1.27 sources) |
//! | threadcreate  | `threadcreate/count`                                      |
//! | heap          | `alloc_objects, alloc_space, inuse_objects, inuse_space` (or period type `space`) |
//! | allocs        | the same, with `default_sample_type` = `alloc_space` (what `pprof.Lookup("allocs")` writes) |
//! | block / mutex | `contentions/count, delay/nanoseconds`                    |
//! | cpu           | `samples/count, cpu/nanoseconds` (or period type `cpu`)    |
//!
//! Block and mutex profiles are written identically (period type
//! `contentions/count`, period 1). They differ in where the stacks are
//! recorded: a mutex profile records the *unlocking* goroutine
//! (`sync.(*Mutex).Unlock`, `sync.(*RWMutex).RUnlock`, `runtime.unlock` …
//! at the leaf), a block profile the *blocked* one (`sync.(*Mutex).Lock`,
//! `runtime.chanrecv1`, `runtime.selectgo` …). A profile is taken as mutex
//! when most samples have an unlock-side frame among their first frames;
//! otherwise, and when it has no samples, as block.

use super::wire::{self, At};
use super::{Fold, LoadOptions};
use crate::error::{InputError, Position};
use crate::model::normalize;
use crate::model::Format;
use crate::model::{FlatSamples, FrameId, FrameTable, ProfileKind, Sample, Snapshot, ValueType};
use prost::Message;
use rayon::prelude::*;
use rustc_hash::FxHashMap;
use std::cell::Cell;

/// Generated from `proto/profile.proto` by build.rs.
pub mod pb {
    include!(concat!(env!("OUT_DIR"), "/perftools.profiles.rs"));
}

/// Decodes one decompressed pprof protobuf. Errors carry the byte offset
/// where the wire format breaks, or where the part they are about starts.
pub fn load(data: &[u8], source: &str, opts: &LoadOptions) -> Result<Snapshot, InputError> {
    load_folded(data, source, opts, None)
}

/// [`load`], handing the samples of a memory profile decoded on all cores
/// to `fold` in chunks (see [`Fold`]) rather than keeping them.
pub fn load_folded(
    data: &[u8],
    source: &str,
    opts: &LoadOptions,
    fold: Option<&mut dyn Fold>,
) -> Result<Snapshot, InputError> {
    if data.len() >= PARALLEL_DECODE {
        if let Some(snap) = load_split(data, source, opts, fold) {
            return Ok(snap);
        }
    }
    let p = match pb::Profile::decode(data) {
        Ok(p) => p,
        Err(e) => {
            return Err(match wire::check(data) {
                Err(located) => located,
                Ok(()) => InputError::new(format!("not a valid pprof protobuf: {e}")),
            })
        }
    };
    let at = Cell::new(At::Nowhere);
    from_profile_at(&p, None, source, opts, &at, None)
        .map(|s| s.expect("decoded samples are built"))
        .map_err(|mut e| {
            if e.position.is_none() {
                e.position = wire::offset_of(data, at.get()).map(Position::Offset);
            }
            e
        })
}

/// Profiles from this size on are decoded on all cores.
const PARALLEL_DECODE: usize = 1 << 20;

/// [`load`] on all cores: the top-level fields are walked once; the
/// locations and functions are decoded in parallel with the rest, and each
/// sample is decoded and built in parallel straight from its bytes, so the
/// decoded samples are never all in memory. `None` when anything does not
/// decode or check: then the whole profile is decoded as usual, which
/// reports the same error as it always did.
fn load_split(
    data: &[u8],
    source: &str,
    opts: &LoadOptions,
    fold: Option<&mut dyn Fold>,
) -> Option<Snapshot> {
    let fields = split_fields(data)?;
    let (p, (location, function)) = rayon::join(
        || pb::Profile::decode(&fields.rest[..]),
        || {
            rayon::join(
                || decode_all::<pb::Location>(&fields.location),
                || decode_all::<pb::Function>(&fields.function),
            )
        },
    );
    let mut p = p.ok()?;
    p.location = location.ok()?;
    p.function = function.ok()?;
    from_profile_at(
        &p,
        Some(&fields.sample),
        source,
        opts,
        &Cell::new(At::Nowhere),
        fold,
    )
    .ok()
    .flatten()
}

fn decode_all<M: Message + Default + Send>(parts: &[&[u8]]) -> Result<Vec<M>, prost::DecodeError> {
    parts
        .par_iter()
        .with_min_len(256)
        .map(|b| M::decode(*b))
        .collect()
}

/// A profile's top-level fields: the payloads of its samples, locations
/// and functions, and every other field as it was written.
struct Fields<'a> {
    sample: Vec<&'a [u8]>,
    location: Vec<&'a [u8]>,
    function: Vec<&'a [u8]>,
    rest: Vec<u8>,
}

/// `None` when the top level does not parse (then the whole decode says
/// why).
fn split_fields(data: &[u8]) -> Option<Fields<'_>> {
    let mut f = Fields {
        sample: Vec::new(),
        location: Vec::new(),
        function: Vec::new(),
        rest: Vec::new(),
    };
    let mut i = 0;
    while i < data.len() {
        let start = i;
        let (key, n) = wire::varint(&data[i..])?;
        i += n;
        let end = match key & 7 {
            0 => i + wire::varint(&data[i..])?.1,
            1 => i.checked_add(8)?,
            2 => {
                let (len, n) = wire::varint(&data[i..])?;
                i += n;
                i.checked_add(usize::try_from(len).ok()?)?
            }
            5 => i.checked_add(4)?,
            _ => return None,
        };
        if end > data.len() {
            return None;
        }
        match (key >> 3, key & 7) {
            (At::SAMPLE, 2) => f.sample.push(&data[i..end]),
            (At::LOCATION, 2) => f.location.push(&data[i..end]),
            (At::FUNCTION, 2) => f.function.push(&data[i..end]),
            _ => f.rest.extend_from_slice(&data[start..end]),
        }
        i = end;
    }
    Some(f)
}

/// Builds a snapshot from a decoded profile, validating every reference.
pub fn from_profile(
    p: &pb::Profile,
    source: &str,
    opts: &LoadOptions,
) -> Result<Snapshot, InputError> {
    from_profile_at(p, None, source, opts, &Cell::new(At::Nowhere), None)
        .map(|s| s.expect("decoded samples are built"))
}

/// [`from_profile`], keeping in `at` the part of the profile being checked
/// (so an error can be placed in the input).
/// With `raw`, the samples are decoded from these bytes (`p` has none),
/// and `Ok(None)` tells that one of them does not decode or check; with
/// `raw` and `fold`, those of a memory profile are handed to `fold`.
fn from_profile_at(
    p: &pb::Profile,
    raw: Option<&[&[u8]]>,
    source: &str,
    opts: &LoadOptions,
    at: &Cell<At>,
    fold: Option<&mut dyn Fold>,
) -> Result<Option<Snapshot>, InputError> {
    at.set(At::Nth(At::STRING, 0));
    let strings = Strings::new(&p.string_table)?;
    check_top_level_strings(p, &strings, at)?;

    let n_samples = raw.map_or(p.sample.len(), <[_]>::len);
    if n_samples > opts.max_samples {
        at.set(At::Nth(At::SAMPLE, opts.max_samples));
        return Err(InputError::new(format!(
            "{} samples, more than the limit of {} (raise it with --max-samples)",
            n_samples, opts.max_samples
        )));
    }

    let sample_types = p
        .sample_type
        .iter()
        .enumerate()
        .map(|(i, vt)| {
            at.set(At::Nth(At::SAMPLE_TYPE, i));
            value_type(vt, &strings, &format!("sample type {i}"))
        })
        .collect::<Result<Vec<_>, _>>()?;
    at.set(At::Last(At::PERIOD_TYPE));
    let period_type = p
        .period_type
        .as_ref()
        .map(|vt| value_type(vt, &strings, "period type"))
        .transpose()?;
    at.set(At::Last(At::DEFAULT_SAMPLE_TYPE));

    let mut warnings = Vec::new();
    let bad_utf8 = p
        .string_table
        .iter()
        .filter(|s| std::str::from_utf8(s).is_err())
        .count();
    if bad_utf8 > 0 {
        warnings.push(format!(
            "{bad_utf8} string{} of the string table {} not valid UTF-8; the invalid bytes are shown as U+FFFD",
            if bad_utf8 == 1 { "" } else { "s" },
            if bad_utf8 == 1 { "is" } else { "are" }
        ));
    }
    let default_name = strings.get(p.default_sample_type, || "default sample type".into())?;
    let default_sample_type = if default_name.is_empty() {
        None
    } else {
        let pos = sample_types.iter().position(|v| v.ty == default_name);
        if pos.is_none() {
            warnings.push(format!(
                "default sample type {} is not one of the sample types; ignored",
                super::quoted(default_name)
            ));
        }
        pos
    };

    // Mappings: only their ids and strings matter here.
    let mut mappings: FxHashMap<u64, ()> = FxHashMap::default();
    for (i, m) in p.mapping.iter().enumerate() {
        at.set(At::Nth(At::MAPPING, i));
        if m.id == 0 {
            return Err(InputError::new(format!(
                "mapping {i} has id 0, which is reserved"
            )));
        }
        if mappings.insert(m.id, ()).is_some() {
            return Err(InputError::new(format!(
                "mapping id {} appears twice",
                m.id
            )));
        }
        strings.get(m.filename, || format!("mapping {} filename", m.id))?;
        strings.get(m.build_id, || format!("mapping {} build id", m.id))?;
    }

    // Functions.
    let mut functions: FxHashMap<u64, &pb::Function> = FxHashMap::default();
    for (i, f) in p.function.iter().enumerate() {
        at.set(At::Nth(At::FUNCTION, i));
        if f.id == 0 {
            return Err(InputError::new(format!(
                "function {i} has id 0, which is reserved"
            )));
        }
        if functions.insert(f.id, f).is_some() {
            return Err(InputError::new(format!(
                "function id {} appears twice",
                f.id
            )));
        }
        strings.get(f.name, || format!("function {} name", f.id))?;
        strings.get(f.system_name, || format!("function {} system name", f.id))?;
        strings.get(f.filename, || format!("function {} filename", f.id))?;
    }

    // Locations, each expanded to its frames (innermost inlined call first).
    let mut table = FrameTable::new();
    let mut start_lines: FxHashMap<FrameId, u32> = FxHashMap::default();
    let mut locations = Locations::default();
    for (i, loc) in p.location.iter().enumerate() {
        at.set(At::Nth(At::LOCATION, i));
        if loc.id == 0 {
            return Err(InputError::new(format!(
                "location {i} has id 0, which is reserved"
            )));
        }
        if loc.mapping_id != 0 && !mappings.contains_key(&loc.mapping_id) {
            return Err(InputError::new(format!(
                "location {} references mapping {}, which does not exist",
                loc.id, loc.mapping_id
            )));
        }
        let start = locations.frames.len();
        for (j, line) in loc.line.iter().enumerate() {
            let Some(f) = functions.get(&line.function_id) else {
                return Err(InputError::new(format!(
                    "location {} line {j} references function {}, which does not exist",
                    loc.id, line.function_id
                )));
            };
            let mut name = strings.at(f.name);
            if name.is_empty() {
                name = strings.at(f.system_name);
            }
            if name == "runtime.goexit" {
                continue;
            }
            let line_no = u32::try_from(line.line).unwrap_or(0);
            let id = if name.is_empty() {
                table.intern_frame(&address_name(loc.address), strings.at(f.filename), line_no)
            } else {
                table.intern_frame(name, strings.at(f.filename), line_no)
            };
            if let Ok(start) = u32::try_from(f.start_line) {
                if start > 0 {
                    start_lines.insert(id, start);
                }
            }
            locations.frames.push(id);
        }
        if loc.line.is_empty() {
            // Unsymbolized: the address is all there is.
            let id = table.intern_frame(&address_name(loc.address), "", 0);
            locations.frames.push(id);
        }
        if locations.frames.len() >= u32::MAX as usize {
            return Err(InputError::new(format!(
                "location {} brings the profile's frames past {}",
                loc.id,
                u32::MAX
            )));
        }
        if !locations.insert(loc.id, start) {
            return Err(InputError::new(format!(
                "location id {} appears twice",
                loc.id
            )));
        }
    }

    locations.index_densely();

    // Samples: built on all cores when there are many; after an error,
    // again in order, so that the first one is reported.
    let n_types = sample_types.len();
    let build = |i: usize, s: SampleFields, stack: &mut Vec<FrameId>| {
        build_sample(i, s, n_types, &locations, &strings, opts, stack)
    };
    // A sample straight from its bytes (without allocating, when it is
    // in the usual shape; else decoded as a message).
    let build_raw = |i: usize, b: &[u8], scratch: &mut Scratch| {
        scratch.with_sample(b, |s, stack| build(i, s, stack).ok())?
    };
    let default_ty = default_sample_type.map(|i| sample_types[i].ty.as_str());
    let kind = kind_from_types(&sample_types, period_type.as_ref(), default_ty);
    let mut snap = header(
        source,
        kind,
        p,
        period_type,
        sample_types,
        default_sample_type,
        table,
    );
    if let (Some(raw), Some(fold), true) = (raw, fold, kind.is_memory()) {
        // Built a chunk at a time, the next while this one is folded, into
        // two sets of buffers that take turns (nothing is allocated per
        // sample, nor per chunk once the buffers have grown).
        let build_flat =
            |i: usize, s: SampleFields, stack: &mut Vec<FrameId>, part: &mut FlatSamples| {
                let deep = sample_stack(i, &s, n_types, &locations, opts, stack)?;
                sample_labels(i, &s, &strings, |k, v| part.push_label(k, v))?;
                part.push(stack, s.value);
                Ok::<bool, InputError>(deep)
            };
        let build_chunk = |k: usize, parts: &mut Vec<FlatSamples>| -> Option<usize> {
            let chunk = raw.chunks(FOLD_CHUNK).nth(k)?;
            parts.resize_with(chunk.len().div_ceil(FOLD_PART), FlatSamples::default);
            parts
                .par_iter_mut()
                .zip(chunk.par_chunks(FOLD_PART))
                .enumerate()
                .map_init(Scratch::default, |scratch, (j, (part, bytes))| {
                    part.clear();
                    let mut cut = 0;
                    for (i, b) in bytes.iter().enumerate() {
                        let i = k * FOLD_CHUNK + j * FOLD_PART + i;
                        let deep = scratch
                            .with_sample(b, |s, stack| build_flat(i, s, stack, part).ok())??;
                        cut += usize::from(deep);
                    }
                    Some(cut)
                })
                .try_reduce(|| 0, |a, b| Some(a + b))
        };
        let n_chunks = raw.len().div_ceil(FOLD_CHUNK);
        let (mut built, mut building) = (Vec::new(), Vec::new());
        let mut cut = 0usize;
        let mut ok = n_chunks == 0 || build_chunk(0, &mut built).map(|c| cut += c).is_some();
        for k in 0..n_chunks {
            if !ok {
                fold.discard();
                return Ok(None);
            }
            let (snap_ref, fold_ref, built_ref) = (&snap, &mut *fold, &built);
            let ((), next) = rayon::join(
                || fold_ref.samples(snap_ref, k * FOLD_CHUNK, built_ref),
                || (k + 1 < n_chunks).then(|| build_chunk(k + 1, &mut building)),
            );
            match next {
                Some(Some(c)) => cut += c,
                Some(None) => ok = false,
                None => {}
            }
            std::mem::swap(&mut built, &mut building);
        }
        if !ok {
            fold.discard();
            return Ok(None);
        }
        if cut > 0 {
            warnings.push(format!(
                "{cut} sample(s) had stacks deeper than {} frames; cut (raise --max-frames)",
                opts.max_frames
            ));
        }
        snap.warnings = warnings;
        return Ok(Some(snap));
    }
    let parallel: Option<Vec<(Sample, bool)>> = if let Some(raw) = raw {
        let built: Option<Vec<(Sample, bool)>> = raw
            .par_iter()
            .enumerate()
            .map_init(Scratch::default, |scratch, (i, b)| build_raw(i, b, scratch))
            .collect();
        if built.is_none() {
            return Ok(None);
        }
        built
    } else if p.sample.len() >= PARALLEL_SAMPLES {
        p.sample
            .par_iter()
            .enumerate()
            .map_init(Vec::new, |stack, (i, s)| {
                build(i, SampleFields::of(s), stack).ok()
            })
            .collect()
    } else {
        None
    };
    let (samples, cut) = match parallel {
        Some(built) => {
            let cut = built.iter().filter(|b| b.1).count();
            (built.into_iter().map(|b| b.0).collect::<Vec<_>>(), cut)
        }
        None => {
            let mut samples = Vec::with_capacity(p.sample.len());
            let mut cut = 0usize;
            let mut stack: Vec<FrameId> = Vec::new();
            for (i, s) in p.sample.iter().enumerate() {
                at.set(At::Nth(At::SAMPLE, i));
                let (sample, deep) = build(i, SampleFields::of(s), &mut stack)?;
                cut += usize::from(deep);
                samples.push(sample);
            }
            (samples, cut)
        }
    };
    let mut samples = samples;
    at.set(At::Nowhere);
    if cut > 0 {
        warnings.push(format!(
            "{cut} sample(s) had stacks deeper than {} frames; cut (raise --max-frames)",
            opts.max_frames
        ));
    }

    if kind == ProfileKind::Block && is_mutex_profile(&samples, &snap.table) {
        snap.kind = ProfileKind::Mutex;
    }
    if kind.is_goroutine() {
        let start = |id: FrameId| start_lines.get(&id).copied();
        for s in &mut samples {
            s.op = normalize::blocking_op_with_start_lines(None, &s.stack, &snap.table, &start);
        }
    }
    snap.samples = samples;
    snap.warnings = warnings;
    Ok(Some(snap))
}

/// A snapshot of the profile's header (times, period, sample types) and
/// its frame table, before its samples: the same for the whole and the
/// folded decoding.
fn header(
    source: &str,
    kind: ProfileKind,
    p: &pb::Profile,
    period_type: Option<ValueType>,
    sample_types: Vec<ValueType>,
    default_sample_type: Option<usize>,
    table: FrameTable,
) -> Snapshot {
    let mut snap = Snapshot::new(source, Format::Pprof, kind);
    snap.time_nanos = (p.time_nanos != 0).then_some(p.time_nanos);
    snap.duration_nanos = (p.duration_nanos != 0).then_some(p.duration_nanos);
    snap.period = (p.period != 0 || period_type.is_some()).then_some(p.period);
    snap.period_type = period_type;
    snap.sample_types = sample_types;
    snap.default_sample_type = default_sample_type;
    snap.table = table;
    snap
}

/// Each location's frames (innermost inlined call first), all in one
/// vector, found by location id: through a table indexed by id when the
/// ids are dense, as the Go runtime writes them (1 to N), else a map.
#[derive(Default)]
struct Locations {
    frames: Vec<FrameId>,
    /// Location id to its frames' range in `frames` (emptied when the
    /// table by index takes over).
    by_id: FxHashMap<u64, (u32, u32)>,
    /// The same by index, once built; `(u32::MAX, 0)` where no location
    /// has the id.
    dense: Vec<(u32, u32)>,
}

impl Locations {
    /// Records the frames pushed since `start` as location `id`'s; false
    /// if the id was already taken.
    fn insert(&mut self, id: u64, start: usize) -> bool {
        let range = (start as u32, self.frames.len() as u32);
        match self.by_id.entry(id) {
            std::collections::hash_map::Entry::Occupied(_) => false,
            std::collections::hash_map::Entry::Vacant(v) => {
                v.insert(range);
                true
            }
        }
    }

    /// Builds the table by id when the largest id is at most about twice
    /// the number of locations.
    fn index_densely(&mut self) {
        let max = self.by_id.keys().copied().max().unwrap_or(0);
        if max > 2 * self.by_id.len() as u64 + 1024 {
            return;
        }
        self.dense = vec![(u32::MAX, 0); max as usize + 1];
        for (id, range) in std::mem::take(&mut self.by_id) {
            self.dense[id as usize] = range;
        }
    }

    fn get(&self, id: u64) -> Option<&[FrameId]> {
        let (start, end) = if self.dense.is_empty() {
            *self.by_id.get(&id)?
        } else {
            *self.dense.get(usize::try_from(id).ok()?)?
        };
        if start == u32::MAX {
            return None;
        }
        Some(&self.frames[start as usize..end as usize])
    }
}

/// Samples handed to a [`Fold`] at a time.
const FOLD_CHUNK: usize = 8192;

/// Samples of a chunk built by one task, into one [`FlatSamples`].
const FOLD_PART: usize = 1024;

/// Samples from this many on are built on all cores.
const PARALLEL_SAMPLES: usize = 4096;

/// Sample `i` with its stack expanded (up to `max_frames`; whether it was
/// cut) and its labels, every reference checked.
fn build_sample(
    i: usize,
    s: SampleFields,
    n_types: usize,
    locations: &Locations,
    strings: &Strings,
    opts: &LoadOptions,
    stack: &mut Vec<FrameId>,
) -> Result<(Sample, bool), InputError> {
    let deep = sample_stack(i, &s, n_types, locations, opts, stack)?;
    let mut labels = Vec::with_capacity(s.label.len());
    sample_labels(i, &s, strings, |k, v| labels.push((k, v)))?;
    Ok((
        Sample {
            stack: stack.as_slice().into(),
            values: s.value.to_vec(),
            labels,
            ..Sample::default()
        },
        deep,
    ))
}

/// Checks that sample `i` has a value per sample type and expands its
/// stack into `stack` (up to `max_frames`); whether it was cut.
fn sample_stack(
    i: usize,
    s: &SampleFields,
    n_types: usize,
    locations: &Locations,
    opts: &LoadOptions,
    stack: &mut Vec<FrameId>,
) -> Result<bool, InputError> {
    if s.value.len() != n_types {
        let n = n_types;
        return Err(InputError::new(format!(
            "sample {i} has {} values, but the profile has {n} sample type{}",
            s.value.len(),
            if n == 1 { "" } else { "s" }
        )));
    }
    stack.clear();
    let mut deep = false;
    for &lid in s.location_id {
        let Some(frames) = locations.get(lid) else {
            return Err(InputError::new(format!(
                "sample {i} references location {lid}, which does not exist"
            )));
        };
        // Only up to the bound: a sample listing a many-line location
        // many times would otherwise expand to millions of frames.
        let room = opts.max_frames - stack.len().min(opts.max_frames);
        match frames {
            // Most locations are one frame (no inlined calls).
            [f] if room > 0 => stack.push(*f),
            _ => {
                if frames.len() > room {
                    deep = true;
                }
                stack.extend_from_slice(&frames[..frames.len().min(room)]);
            }
        }
    }
    Ok(deep)
}

/// Sample `i`'s labels (key, value), each reference checked, to `push`.
fn sample_labels(
    i: usize,
    s: &SampleFields,
    strings: &Strings,
    mut push: impl FnMut(String, String),
) -> Result<(), InputError> {
    for (j, l) in s.label.iter().enumerate() {
        let key = strings.get(l.key, || format!("sample {i} label {j} key"))?;
        let value = strings.get(l.str, || format!("sample {i} label {j} value"))?;
        let unit = strings.get(l.num_unit, || format!("sample {i} label {j} unit"))?;
        let value = if l.str != 0 {
            value.to_string()
        } else if l.num != 0 || l.num_unit != 0 {
            if unit.is_empty() {
                l.num.to_string()
            } else {
                format!("{} {unit}", l.num)
            }
        } else {
            String::new()
        };
        push(key.to_string(), value);
    }
    Ok(())
}

/// The fields of a sample, decoded as a message or by [`Scratch::parse`].
#[derive(Clone, Copy)]
struct SampleFields<'a> {
    location_id: &'a [u64],
    value: &'a [i64],
    label: &'a [pb::Label],
}

impl<'a> SampleFields<'a> {
    fn of(s: &'a pb::Sample) -> Self {
        SampleFields {
            location_id: &s.location_id,
            value: &s.value,
            label: &s.label,
        }
    }
}

/// Buffers a thread reuses for the samples it builds.
#[derive(Default)]
struct Scratch {
    stack: Vec<FrameId>,
    locations: Vec<u64>,
    values: Vec<i64>,
    labels: Vec<pb::Label>,
}

impl Scratch {
    /// `f` of the fields of the sample in `b` (read in place by
    /// [`Scratch::parse`] when it can, else decoded as a message) and of
    /// the stack buffer; `None` if `b` is not a sample.
    fn with_sample<R>(
        &mut self,
        b: &[u8],
        f: impl FnOnce(SampleFields, &mut Vec<FrameId>) -> R,
    ) -> Option<R> {
        if self.parse(b) {
            let s = SampleFields {
                location_id: &self.locations,
                value: &self.values,
                label: &self.labels,
            };
            Some(f(s, &mut self.stack))
        } else {
            let s = pb::Sample::decode(b).ok()?;
            Some(f(SampleFields::of(&s), &mut self.stack))
        }
    }

    /// Decodes a sample in the shape `runtime/pprof` writes (location ids
    /// and values packed or not, labels of the four integer fields, every
    /// varint shorter than 10 bytes) into the buffers; `false` for anything
    /// else, which is then decoded as a message (so what is accepted and
    /// how is prost's: this only never allocates).
    fn parse(&mut self, b: &[u8]) -> bool {
        self.locations.clear();
        self.values.clear();
        self.labels.clear();
        let mut i = 0;
        while i < b.len() {
            let Some(key) = short_varint(b, &mut i) else {
                return false;
            };
            match key {
                // location_id, value: one varint.
                0x08 | 0x10 => {
                    let Some(v) = short_varint(b, &mut i) else {
                        return false;
                    };
                    if key == 0x08 {
                        self.locations.push(v);
                    } else {
                        self.values.push(v as i64);
                    }
                }
                // Packed location_id or value, or a label.
                0x0a | 0x12 | 0x1a => {
                    let Some(len) = short_varint(b, &mut i) else {
                        return false;
                    };
                    let Some(end) = usize::try_from(len)
                        .ok()
                        .and_then(|l| i.checked_add(l))
                        .filter(|&e| e <= b.len())
                    else {
                        return false;
                    };
                    if key == 0x1a {
                        let mut l = pb::Label::default();
                        while i < end {
                            let (Some(k), Some(v)) = (
                                short_varint(&b[..end], &mut i),
                                short_varint(&b[..end], &mut i),
                            ) else {
                                return false;
                            };
                            match k {
                                0x08 => l.key = v as i64,
                                0x10 => l.str = v as i64,
                                0x18 => l.num = v as i64,
                                0x20 => l.num_unit = v as i64,
                                _ => return false,
                            }
                        }
                        self.labels.push(l);
                    } else {
                        while i < end {
                            let Some(v) = short_varint(&b[..end], &mut i) else {
                                return false;
                            };
                            if key == 0x0a {
                                self.locations.push(v);
                            } else {
                                self.values.push(v as i64);
                            }
                        }
                    }
                }
                _ => return false,
            }
        }
        true
    }
}

/// A varint of at most 9 bytes at `b[*i..]` (advancing `i`); `None` for a
/// longer or cut one.
#[inline]
fn short_varint(b: &[u8], i: &mut usize) -> Option<u64> {
    let mut v = 0u64;
    for shift in 0..9 {
        let byte = *b.get(*i)?;
        *i += 1;
        v |= u64::from(byte & 0x7f) << (7 * shift);
        if byte & 0x80 == 0 {
            return Some(v);
        }
    }
    None
}

fn address_name(addr: u64) -> String {
    format!("{addr:#x}")
}

/// The string table, checked and converted (lossily: Go writes label values
/// and paths as given, which need not be UTF-8).
struct Strings(Vec<String>);

impl Strings {
    fn new(raw: &[Vec<u8>]) -> Result<Self, InputError> {
        match raw.first() {
            None => {
                return Err(InputError::new(
                    "string table is empty; entry 0 must be the empty string",
                ))
            }
            Some(s) if !s.is_empty() => {
                return Err(InputError::new(format!(
                    "string table entry 0 is {}; it must be the empty string",
                    super::quoted(&String::from_utf8_lossy(&s[..s.len().min(64)]))
                )))
            }
            _ => {}
        }
        Ok(Strings(
            raw.iter()
                .map(|b| String::from_utf8_lossy(b).into_owned())
                .collect(),
        ))
    }

    /// The string at `idx`, or an error naming `what` refers to it.
    fn get(&self, idx: i64, what: impl FnOnce() -> String) -> Result<&str, InputError> {
        usize::try_from(idx)
            .ok()
            .and_then(|i| self.0.get(i))
            .map(String::as_str)
            .ok_or_else(|| {
                InputError::new(format!(
                    "{} references string {idx}, which does not exist (the string table has {} entries)",
                    what(),
                    self.0.len()
                ))
            })
    }

    /// A string whose index was already checked.
    fn at(&self, idx: i64) -> &str {
        usize::try_from(idx)
            .ok()
            .and_then(|i| self.0.get(i))
            .map_or("", String::as_str)
    }
}

fn check_top_level_strings(
    p: &pb::Profile,
    strings: &Strings,
    at: &Cell<At>,
) -> Result<(), InputError> {
    at.set(At::Last(At::DROP_FRAMES));
    strings.get(p.drop_frames, || "drop_frames".into())?;
    at.set(At::Last(At::KEEP_FRAMES));
    strings.get(p.keep_frames, || "keep_frames".into())?;
    at.set(At::Last(At::DOC_URL));
    strings.get(p.doc_url, || "doc_url".into())?;
    at.set(At::Nth(At::COMMENT, 0));
    for (i, &c) in p.comment.iter().enumerate() {
        strings.get(c, || format!("comment {i}"))?;
    }
    Ok(())
}

fn value_type(vt: &pb::ValueType, strings: &Strings, what: &str) -> Result<ValueType, InputError> {
    let ty = strings.get(vt.r#type, || format!("{what} type"))?;
    let unit = strings.get(vt.unit, || format!("{what} unit"))?;
    Ok(ValueType::new(ty, unit))
}

/// Profile kind from the value types alone (block and mutex are not told
/// apart here).
fn kind_from_types(
    types: &[ValueType],
    period: Option<&ValueType>,
    default_ty: Option<&str>,
) -> ProfileKind {
    let names: Vec<&str> = types.iter().map(|v| v.ty.as_str()).collect();
    let period_ty = period.map(|v| v.ty.as_str());
    match names.as_slice() {
        ["goroutine"] => return ProfileKind::Goroutine,
        ["goroutineleak"] => return ProfileKind::GoroutineLeak,
        ["threadcreate"] => return ProfileKind::ThreadCreate,
        ["contentions", "delay"] => return ProfileKind::Block,
        ["samples", "cpu"] => return ProfileKind::Cpu,
        _ => {}
    }
    let is_memory = names.iter().any(|n| {
        matches!(
            *n,
            "alloc_space" | "inuse_space" | "alloc_objects" | "inuse_objects"
        )
    }) || period_ty == Some("space");
    if is_memory {
        return if default_ty == Some("alloc_space") {
            ProfileKind::Allocs
        } else {
            ProfileKind::Heap
        };
    }
    if period_ty == Some("cpu") {
        return ProfileKind::Cpu;
    }
    if period_ty == Some("contentions") && names.first() == Some(&"contentions") {
        return ProfileKind::Block;
    }
    // Count profiles named after the profile (`printCountProfile`).
    if let (Some(p), [only]) = (period_ty, names.as_slice()) {
        match (p, *only) {
            ("goroutine", "goroutine") => return ProfileKind::Goroutine,
            ("goroutineleak", "goroutineleak") => return ProfileKind::GoroutineLeak,
            ("threadcreate", "threadcreate") => return ProfileKind::ThreadCreate,
            _ => {}
        }
    }
    ProfileKind::Other
}

/// Frames a mutex profile records at the leaf: the unlock that woke a waiter.
fn is_unlock_frame(function: &str) -> bool {
    matches!(
        function,
        "sync.(*Mutex).Unlock"
            | "sync.(*Mutex).unlockSlow"
            | "sync.(*RWMutex).Unlock"
            | "sync.(*RWMutex).RUnlock"
            | "sync.(*RWMutex).rUnlockSlow"
            | "sync.runtime_Semrelease"
            | "internal/sync.(*Mutex).Unlock"
            | "internal/sync.(*Mutex).unlockSlow"
            | "internal/sync.runtime_Semrelease"
            | "runtime.semrelease1"
            | "runtime.unlock"
            | "runtime.unlock2"
            | "runtime.unlockWithRank"
            | "runtime.unlock2Wake"
    )
}

/// A `contentions/delay` profile whose stacks mostly start at an unlock is a
/// mutex profile.
fn is_mutex_profile(samples: &[Sample], table: &FrameTable) -> bool {
    let mut with_stack = 0usize;
    let mut unlock = 0usize;
    for s in samples.iter().filter(|s| !s.stack.is_empty()) {
        with_stack += 1;
        if s.stack
            .iter()
            .take(4)
            .any(|&id| is_unlock_frame(table.function(id)))
        {
            unlock += 1;
        }
    }
    with_stack > 0 && unlock * 2 > with_stack
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::BlockingOp;
    use std::collections::HashMap;

    /// Builds small profiles the way runtime/pprof lays them out.
    struct B {
        p: pb::Profile,
        strings: HashMap<String, i64>,
    }

    impl B {
        fn new(types: &[(&str, &str)]) -> Self {
            let mut b = B {
                p: pb::Profile::default(),
                strings: HashMap::new(),
            };
            b.s("");
            for (t, u) in types {
                let vt = b.vt(t, u);
                b.p.sample_type.push(vt);
            }
            b
        }

        fn s(&mut self, s: &str) -> i64 {
            if let Some(&i) = self.strings.get(s) {
                return i;
            }
            let i = self.p.string_table.len() as i64;
            self.p.string_table.push(s.as_bytes().to_vec());
            self.strings.insert(s.to_string(), i);
            i
        }

        fn vt(&mut self, t: &str, u: &str) -> pb::ValueType {
            pb::ValueType {
                r#type: self.s(t),
                unit: self.s(u),
            }
        }

        fn period(mut self, t: &str, u: &str, period: i64) -> Self {
            self.p.period_type = Some(self.vt(t, u));
            self.p.period = period;
            self
        }

        fn func(&mut self, id: u64, name: &str, file: &str, start_line: i64) {
            let (name, filename) = (self.s(name), self.s(file));
            self.p.function.push(pb::Function {
                id,
                name,
                system_name: name,
                filename,
                start_line,
            });
        }

        /// A location whose lines are given innermost first.
        fn loc(&mut self, id: u64, lines: &[(u64, i64)]) {
            self.p.location.push(pb::Location {
                id,
                address: 0x1000 + id,
                line: lines
                    .iter()
                    .map(|&(function_id, line)| pb::Line {
                        function_id,
                        line,
                        column: 0,
                    })
                    .collect(),
                ..Default::default()
            });
        }

        fn sample(&mut self, locs: &[u64], values: &[i64]) -> &mut pb::Sample {
            self.p.sample.push(pb::Sample {
                location_id: locs.to_vec(),
                value: values.to_vec(),
                label: vec![],
            });
            self.p.sample.last_mut().unwrap()
        }

        fn bytes(&self) -> Vec<u8> {
            self.p.encode_to_vec()
        }

        fn load(&self) -> Result<Snapshot, InputError> {
            load(&self.bytes(), "t.pb", &LoadOptions::default())
        }

        fn err(&self) -> String {
            self.load().unwrap_err().message
        }
    }

    /// A goroutine profile as Go 1.27 writes it: one goroutine blocked in a
    /// receive on a nil channel, two in an ordinary receive with labels.
    fn goroutine_profile() -> B {
        let mut b = B::new(&[("goroutine", "count")]).period("goroutine", "count", 1);
        b.func(1, "runtime.gopark", "/go/src/runtime/proc.go", 420);
        b.func(2, "runtime.chanrecv", "/go/src/runtime/chan.go", 524);
        b.func(3, "runtime.chanrecv1", "/go/src/runtime/chan.go", 505);
        b.func(4, "main.worker", "/src/app/main.go", 10);
        b.func(5, "main.helper", "/src/app/main.go", 30);
        b.func(6, "runtime.goexit", "/go/src/runtime/asm_amd64.s", 1690);
        b.loc(1, &[(1, 435)]);
        b.loc(2, &[(2, 536)]);
        b.loc(3, &[(3, 506)]);
        // main.helper inlined into main.worker: innermost first.
        b.loc(4, &[(5, 32), (4, 12)]);
        b.loc(5, &[(6, 1700)]);
        b.loc(6, &[(2, 667)]);
        b.sample(&[1, 2, 3, 4, 5], &[1]);
        let (k, v, n, u) = (b.s("role"), b.s("worker"), b.s("conns"), b.s("count"));
        let s = b.sample(&[1, 6, 3, 4, 5], &[2]);
        s.label.push(pb::Label {
            key: k,
            str: v,
            num: 0,
            num_unit: 0,
        });
        s.label.push(pb::Label {
            key: n,
            str: 0,
            num: 7,
            num_unit: u,
        });
        b.p.time_nanos = 1_700_000_000_000_000_000;
        b
    }

    fn names(s: &Snapshot, i: usize) -> Vec<String> {
        s.samples[i]
            .stack
            .iter()
            .map(|&id| {
                let f = s.table.resolve(id);
                format!("{}:{}", f.function, f.line)
            })
            .collect()
    }

    #[test]
    fn goroutine_profile_loads() {
        let s = goroutine_profile().load().unwrap();
        assert_eq!(s.kind, ProfileKind::Goroutine);
        assert_eq!(s.format, Format::Pprof);
        assert_eq!(s.samples.len(), 2);
        assert_eq!(s.goroutine_count(), 3);
        assert_eq!(s.time_nanos, Some(1_700_000_000_000_000_000));
        assert_eq!(s.duration_nanos, None);
        assert_eq!(s.period, Some(1));
        assert_eq!(s.period_type, Some(ValueType::new("goroutine", "count")));
        assert_eq!(s.sample_types, vec![ValueType::new("goroutine", "count")]);
        assert_eq!(
            names(&s, 0),
            [
                "runtime.gopark:435",
                "runtime.chanrecv:536",
                "runtime.chanrecv1:506",
                "main.helper:32",
                "main.worker:12"
            ]
        );
        let f = s.table.resolve(s.samples[0].stack[3]);
        assert_eq!(f.file, "main.go");
        assert_eq!(s.table.file(s.samples[0].stack[0]), "runtime/proc.go");
        assert_eq!(s.samples[0].op, BlockingOp::NilChan);
        assert_eq!(s.samples[1].op, BlockingOp::ChanReceive);
        assert_eq!(
            s.samples[1].labels,
            [
                ("role".to_string(), "worker".to_string()),
                ("conns".to_string(), "7 count".to_string())
            ]
        );
        assert!(s.warnings.is_empty(), "{:?}", s.warnings);
    }

    #[test]
    fn nil_chan_without_start_line_uses_known_lines() {
        let mut b = goroutine_profile();
        for f in &mut b.p.function {
            f.start_line = 0;
        }
        let s = b.load().unwrap();
        // 536 is Go 1.27's nil-channel park in chanrecv.
        assert_eq!(s.samples[0].op, BlockingOp::NilChan);
        assert_eq!(s.samples[1].op, BlockingOp::ChanReceive);
    }

    #[test]
    fn unsymbolized_locations_are_addresses() {
        let mut b = B::new(&[("threadcreate", "count")]).period("threadcreate", "count", 1);
        b.loc(7, &[]);
        b.loc(8, &[]);
        b.sample(&[7, 8], &[3]);
        b.sample(&[], &[125]);
        let s = b.load().unwrap();
        assert_eq!(s.kind, ProfileKind::ThreadCreate);
        assert_eq!(names(&s, 0), ["0x1007:0", "0x1008:0"]);
        assert_eq!(s.table.file(s.samples[0].stack[0]), "");
        assert!(s.samples[1].stack.is_empty());
        assert_eq!(s.samples[1].values, [125]);
    }

    #[test]
    fn negative_values_and_duration_are_kept() {
        let mut b = goroutine_profile();
        b.p.sample[1].value = vec![-7];
        b.p.duration_nanos = 10_000_000_000;
        let s = b.load().unwrap();
        assert_eq!(s.samples[1].values, [-7]);
        assert_eq!(s.duration_nanos, Some(10_000_000_000));
    }

    #[test]
    fn invalid_utf8_strings_are_replaced_not_fatal() {
        let mut b = goroutine_profile();
        let i = b.s("worker") as usize;
        b.p.string_table[i] = vec![b'w', 0xff, b'x'];
        let s = b.load().unwrap();
        assert_eq!(s.samples[1].labels[0].1, "w\u{fffd}x");
        assert_eq!(
            s.warnings,
            ["1 string of the string table is not valid UTF-8; the invalid bytes are shown as U+FFFD"]
        );
    }

    #[test]
    fn kinds_from_sample_types() {
        let heap_types = [
            ("alloc_objects", "count"),
            ("alloc_space", "bytes"),
            ("inuse_objects", "count"),
            ("inuse_space", "bytes"),
        ];
        let kind = |b: B| b.load().unwrap().kind;

        let heap = B::new(&heap_types).period("space", "bytes", 524288);
        let s = heap.load().unwrap();
        assert_eq!(s.kind, ProfileKind::Heap);
        assert_eq!(s.default_sample_type, None);
        assert_eq!(s.period, Some(524288));

        let mut allocs = B::new(&heap_types).period("space", "bytes", 524288);
        allocs.p.default_sample_type = allocs.s("alloc_space");
        let s = allocs.load().unwrap();
        assert_eq!(s.kind, ProfileKind::Allocs);
        assert_eq!(s.default_sample_type, Some(1));

        let mut inuse = B::new(&heap_types).period("space", "bytes", 524288);
        inuse.p.default_sample_type = inuse.s("inuse_space");
        assert_eq!(kind(inuse), ProfileKind::Heap);

        let cpu = B::new(&[("samples", "count"), ("cpu", "nanoseconds")]).period(
            "cpu",
            "nanoseconds",
            10_000_000,
        );
        assert_eq!(kind(cpu), ProfileKind::Cpu);
        let leak = B::new(&[("goroutineleak", "count")]).period("goroutineleak", "count", 1);
        assert_eq!(kind(leak), ProfileKind::GoroutineLeak);
        let custom = B::new(&[("my.custom", "count")]).period("my.custom", "count", 1);
        assert_eq!(kind(custom), ProfileKind::Other);
        assert_eq!(kind(B::new(&[])), ProfileKind::Other);
        let block = B::new(&[("contentions", "count"), ("delay", "nanoseconds")]).period(
            "contentions",
            "count",
            1,
        );
        assert_eq!(kind(block), ProfileKind::Block);
    }

    fn contention_profile(leaf: &str) -> B {
        let mut b = B::new(&[("contentions", "count"), ("delay", "nanoseconds")]).period(
            "contentions",
            "count",
            1,
        );
        b.func(1, leaf, "/go/src/sync/mutex.go", 200);
        b.func(2, "main.store", "/src/app/main.go", 40);
        b.loc(1, &[(1, 210)]);
        b.loc(2, &[(2, 44)]);
        b.sample(&[1, 2], &[4, 1_000_000]);
        b.sample(&[1, 2], &[1, 20_000]);
        b
    }

    #[test]
    fn mutex_and_block_told_apart_by_frames() {
        let s = contention_profile("sync.(*Mutex).Unlock").load().unwrap();
        assert_eq!(s.kind, ProfileKind::Mutex);
        let s = contention_profile("sync.(*RWMutex).RUnlock")
            .load()
            .unwrap();
        assert_eq!(s.kind, ProfileKind::Mutex);
        let s = contention_profile("runtime.unlock").load().unwrap();
        assert_eq!(s.kind, ProfileKind::Mutex);
        let s = contention_profile("sync.(*Mutex).Lock").load().unwrap();
        assert_eq!(s.kind, ProfileKind::Block);
        assert_eq!(s.samples[0].values, [4, 1_000_000]);
        let s = contention_profile("runtime.chanrecv1").load().unwrap();
        assert_eq!(s.kind, ProfileKind::Block);
        // No samples: nothing to go by; block.
        let mut b = contention_profile("sync.(*Mutex).Unlock");
        b.p.sample.clear();
        assert_eq!(b.load().unwrap().kind, ProfileKind::Block);
    }

    #[test]
    fn bounds() {
        let b = goroutine_profile();
        let opts = LoadOptions {
            max_samples: 1,
            ..Default::default()
        };
        let e = load(&b.bytes(), "t", &opts).unwrap_err().message;
        assert_eq!(
            e,
            "2 samples, more than the limit of 1 (raise it with --max-samples)"
        );
        let opts = LoadOptions {
            max_frames: 2,
            ..Default::default()
        };
        let s = load(&b.bytes(), "t", &opts).unwrap();
        assert_eq!(names(&s, 0), ["runtime.gopark:435", "runtime.chanrecv:536"]);
        assert_eq!(
            s.warnings,
            ["2 sample(s) had stacks deeper than 2 frames; cut (raise --max-frames)"]
        );
    }

    #[test]
    fn locations_are_found_by_id_whether_ids_are_dense_or_not() {
        for ids in [
            vec![1u64, 2, 3, 4],
            vec![4, 2, 3, 1],
            vec![7, 1 << 40, 3, u64::MAX],
        ] {
            let mut locs = Locations::default();
            for (k, &id) in ids.iter().enumerate() {
                let start = locs.frames.len();
                // Location k has k + 1 frames (an empty one is not built).
                locs.frames
                    .extend((0..=k as u32).map(|f| 10 * k as u32 + f));
                assert!(locs.insert(id, start));
            }
            assert!(!locs.insert(ids[0], locs.frames.len()), "a repeated id");
            locs.index_densely();
            assert_eq!(locs.dense.is_empty(), ids.iter().any(|&id| id > 100));
            for (k, &id) in ids.iter().enumerate() {
                let want: Vec<u32> = (0..=k as u32).map(|f| 10 * k as u32 + f).collect();
                assert_eq!(locs.get(id), Some(&want[..]), "location {id}");
            }
            for missing in [0, 5, 6, 1 << 39, u64::MAX - 1] {
                assert_eq!(locs.get(missing), None, "location {missing}");
            }
        }
    }

    #[test]
    fn repeated_deep_locations_stop_at_the_frame_bound() {
        // 230 KB of input: one location inlining 5,000 calls, listed 200,000
        // times by one sample, would expand to a billion frames (4 GB).
        let mut b = B::new(&[("goroutine", "count")]);
        b.func(1, "main.f", "/src/main.go", 1);
        let lines: Vec<(u64, i64)> = (0..5000).map(|i| (1, i % 100)).collect();
        b.loc(1, &lines);
        b.sample(&vec![1; 200_000], &[1]);
        let s = b.load().unwrap();
        assert_eq!(s.samples[0].stack.len(), 1024);
        assert_eq!(
            s.warnings,
            ["1 sample(s) had stacks deeper than 1024 frames; cut (raise --max-frames)"]
        );
        // Exactly at the bound is not cut.
        let mut b = B::new(&[("goroutine", "count")]);
        b.func(1, "main.f", "/src/main.go", 1);
        b.loc(1, &[(1, 1), (1, 2)]);
        b.sample(&[1, 1], &[1]);
        let opts = LoadOptions {
            max_frames: 4,
            ..Default::default()
        };
        let s = load(&b.bytes(), "t", &opts).unwrap();
        assert_eq!(s.samples[0].stack.len(), 4);
        assert!(s.warnings.is_empty(), "{:?}", s.warnings);
        // Locations of one frame each (no inlined calls), past the bound
        // and at it.
        let mut b = B::new(&[("goroutine", "count")]);
        for f in 1..=3 {
            b.func(f, &format!("main.f{f}"), "/src/main.go", 1);
            b.loc(f, &[(f, 10)]);
        }
        b.sample(&[1, 2, 3], &[1]);
        b.sample(&[3, 1], &[1]);
        let opts = LoadOptions {
            max_frames: 2,
            ..Default::default()
        };
        let s = load(&b.bytes(), "t", &opts).unwrap();
        let names = |k: usize| -> Vec<&str> {
            s.samples[k]
                .stack
                .iter()
                .map(|&f| s.table.function(f))
                .collect()
        };
        assert_eq!(names(0), ["main.f1", "main.f2"]);
        assert_eq!(names(1), ["main.f3", "main.f1"]);
        assert_eq!(
            s.warnings,
            ["1 sample(s) had stacks deeper than 2 frames; cut (raise --max-frames)"]
        );
    }

    #[test]
    fn decode_errors() {
        let e = load(&[0x0a, 0x05, 0x01], "t", &LoadOptions::default()).unwrap_err();
        assert_eq!(
            e.in_file("t").to_string(),
            "t: offset 0: sample_type: length 5 runs past the end of the data (1 bytes left)"
        );
        // A Location's line longer than the location, deep in a real layout.
        let b = goroutine_profile();
        let mut d = b.bytes();
        let loc4 = wire::offset_of(&d, At::Nth(At::LOCATION, 3)).unwrap() as usize;
        // location 4: 0x22 len, 0x08 id, 0x10 addr…; its first line field.
        let line = loc4 + 2 + d[loc4 + 2..].iter().position(|&x| x == 0x22).unwrap();
        d[line + 1] = 0x7f;
        let e = load(&d, "t", &LoadOptions::default()).unwrap_err();
        assert_eq!(e.position, Some(Position::Offset(line as u64)), "{e:?}");
        assert!(
            e.message
                .starts_with("location 3: line: length 127 runs past the end of its message"),
            "{}",
            e.message
        );
    }

    #[test]
    fn reference_errors_say_where_the_part_starts() {
        let mut b = goroutine_profile();
        b.p.sample[1].location_id[2] = 99;
        let d = b.bytes();
        let e = load(&d, "t", &LoadOptions::default()).unwrap_err();
        let want = wire::offset_of(&d, At::Nth(At::SAMPLE, 1)).unwrap();
        assert_eq!(
            e.in_file("t").to_string(),
            format!("t: offset {want}: sample 1 references location 99, which does not exist")
        );
        let mut b = goroutine_profile();
        b.p.function[1].name = 99;
        let d = b.bytes();
        let e = load(&d, "t", &LoadOptions::default()).unwrap_err();
        let want = wire::offset_of(&d, At::Nth(At::FUNCTION, 1)).unwrap();
        assert_eq!(e.position, Some(Position::Offset(want)));
        let opts = LoadOptions {
            max_samples: 1,
            ..Default::default()
        };
        let d = goroutine_profile().bytes();
        let e = load(&d, "t", &opts).unwrap_err();
        let want = wire::offset_of(&d, At::Nth(At::SAMPLE, 1)).unwrap();
        assert_eq!(e.position, Some(Position::Offset(want)));
    }

    #[test]
    fn string_table_errors() {
        let mut b = goroutine_profile();
        b.p.string_table.clear();
        b.p.sample_type.clear();
        b.p.period_type = None;
        b.p.sample.clear();
        b.p.location.clear();
        b.p.function.clear();
        assert_eq!(
            b.err(),
            "string table is empty; entry 0 must be the empty string"
        );

        let mut b = goroutine_profile();
        b.p.string_table[0] = b"oops".to_vec();
        assert_eq!(
            b.err(),
            "string table entry 0 is \"oops\"; it must be the empty string"
        );
    }

    #[test]
    fn every_string_reference_is_checked() {
        type Edit = fn(&mut pb::Profile);
        let cases: [(Edit, &str); 14] = [
            (
                |p| p.sample_type[0].r#type = 99,
                "sample type 0 type references string 99",
            ),
            (
                |p| p.sample_type[0].unit = -1,
                "sample type 0 unit references string -1",
            ),
            (
                |p| p.period_type.as_mut().unwrap().unit = 99,
                "period type unit references string 99",
            ),
            (
                |p| p.default_sample_type = 99,
                "default sample type references string 99",
            ),
            (
                |p| p.function[1].name = 99,
                "function 2 name references string 99",
            ),
            (
                |p| p.function[1].system_name = 99,
                "function 2 system name references string 99",
            ),
            (
                |p| p.function[1].filename = 99,
                "function 2 filename references string 99",
            ),
            (
                |p| p.sample[1].label[0].key = 99,
                "sample 1 label 0 key references string 99",
            ),
            (
                |p| p.sample[1].label[0].str = 99,
                "sample 1 label 0 value references string 99",
            ),
            (
                |p| p.sample[1].label[1].num_unit = 99,
                "sample 1 label 1 unit references string 99",
            ),
            (
                |p| p.comment = vec![1, 99],
                "comment 1 references string 99",
            ),
            (|p| p.drop_frames = 99, "drop_frames references string 99"),
            (|p| p.doc_url = 99, "doc_url references string 99"),
            (
                |p| {
                    p.mapping.push(pb::Mapping {
                        id: 1,
                        filename: 99,
                        ..Default::default()
                    })
                },
                "mapping 1 filename references string 99",
            ),
        ];
        for (edit, want) in cases {
            let mut b = goroutine_profile();
            edit(&mut b.p);
            let n = b.p.string_table.len();
            let e = b.err();
            assert!(e.starts_with(want), "{e} (want {want})");
            assert!(
                e.ends_with(&format!(
                    "which does not exist (the string table has {n} entries)"
                )),
                "{e}"
            );
        }
    }

    #[test]
    fn reference_errors() {
        type Edit = fn(&mut pb::Profile);
        let cases: [(Edit, &str); 9] = [
            (
                |p| p.sample[1].location_id[2] = 99,
                "sample 1 references location 99, which does not exist",
            ),
            (
                |p| p.location[3].line[1].function_id = 42,
                "location 4 line 1 references function 42, which does not exist",
            ),
            (
                |p| p.location[0].mapping_id = 3,
                "location 1 references mapping 3, which does not exist",
            ),
            (
                |p| p.sample[0].value = vec![1, 2],
                "sample 0 has 2 values, but the profile has 1 sample type",
            ),
            (
                |p| p.sample[1].value.clear(),
                "sample 1 has 0 values, but the profile has 1 sample type",
            ),
            (
                |p| p.location[2].id = 0,
                "location 2 has id 0, which is reserved",
            ),
            (|p| p.location[2].id = 1, "location id 1 appears twice"),
            (|p| p.function[0].id = 2, "function id 2 appears twice"),
            (
                |p| p.function[4].id = 0,
                "function 4 has id 0, which is reserved",
            ),
        ];
        for (edit, want) in cases {
            let mut b = goroutine_profile();
            edit(&mut b.p);
            assert_eq!(b.err(), want);
        }
        let mut b = goroutine_profile();
        b.p.mapping = vec![
            pb::Mapping {
                id: 1,
                ..Default::default()
            },
            pb::Mapping {
                id: 1,
                ..Default::default()
            },
        ];
        assert_eq!(b.err(), "mapping id 1 appears twice");
    }

    #[test]
    fn corrupted_bytes_never_panic() {
        let mut b = goroutine_profile();
        b.p.mapping.push(pb::Mapping {
            id: 1,
            ..Default::default()
        });
        b.p.location[0].mapping_id = 1;
        let data = b.bytes();
        let opts = LoadOptions::default();
        for cut in 0..data.len() {
            let _ = load(&data[..cut], "t", &opts);
        }
        for i in 0..data.len() {
            for v in [0x00, 0x01, 0x7f, 0x80, 0xff, data[i] ^ 0x08] {
                let mut d = data.clone();
                d[i] = v;
                if let Err(e) = load(&d, "t", &opts) {
                    assert!(!e.message.contains('\n'), "{}", e.message);
                }
            }
        }
    }

    #[test]
    fn unknown_default_sample_type_is_a_warning() {
        let mut b = goroutine_profile();
        b.p.default_sample_type = b.s("inuse_space");
        let s = b.load().unwrap();
        assert_eq!(s.default_sample_type, None);
        assert_eq!(
            s.warnings,
            ["default sample type \"inuse_space\" is not one of the sample types; ignored"]
        );
    }

    /// A profile of more than [`PARALLEL_DECODE`] bytes is decoded and
    /// built on all cores, with the same snapshot as the whole decode
    /// gives, and the same error when something is wrong.
    #[test]
    fn large_profiles_decode_in_parallel_alike() {
        let mut b = B::new(&[("alloc_objects", "count"), ("inuse_space", "bytes")]).period(
            "space",
            "bytes",
            512 * 1024,
        );
        for f in 1..=400u64 {
            b.func(
                f,
                &format!("main.f{f}"),
                &format!("/src/app/f{}.go", f % 7),
                1,
            );
            b.loc(f, &[(f, 10 + f as i64)]);
        }
        for i in 0..60_000u64 {
            let locs: Vec<u64> = (0..8).map(|d| 1 + (i * 7 + d * 13) % 400).collect();
            let s = b.sample(&locs, &[1 + (i % 5) as i64, 4096]);
            if i % 3 == 0 {
                s.label.push(pb::Label {
                    key: 1,
                    str: 2,
                    ..Default::default()
                });
            }
        }
        let data = b.bytes();
        assert!(data.len() >= PARALLEL_DECODE, "{}", data.len());
        let opts = LoadOptions::default();
        let whole = from_profile(&pb::Profile::decode(&data[..]).unwrap(), "h", &opts).unwrap();
        let split = load_split(&data, "h", &opts, None).expect("decoded on all cores");
        assert_eq!(format!("{whole:?}"), format!("{split:?}"));
        assert_eq!(
            format!("{:?}", load(&data, "h", &opts).unwrap()),
            format!("{whole:?}")
        );

        // Folded: every sample handed over once, in order, in chunks; the
        // snapshot otherwise the same, without samples.
        struct Collect(Vec<String>, usize, usize);
        impl Fold for Collect {
            fn samples(&mut self, snap: &Snapshot, first: usize, chunk: &[FlatSamples]) {
                assert_eq!(first, self.1);
                assert!(snap.samples.is_empty());
                for part in chunk {
                    self.0
                        .extend((0..part.len()).map(|i| format!("{:?}", part.to_sample(i))));
                    self.1 += part.len();
                }
            }
            fn discard(&mut self) {
                self.0.clear();
                self.1 = 0;
                self.2 += 1;
            }
        }
        let mut c = Collect(Vec::new(), 0, 0);
        let folded = load_folded(&data, "h", &opts, Some(&mut c)).unwrap();
        assert!(folded.samples.is_empty());
        let want: Vec<String> = whole.samples.iter().map(|s| format!("{s:?}")).collect();
        assert_eq!(c.0, want);
        let mut without = whole.clone();
        without.samples = Vec::new();
        assert_eq!(format!("{without:?}"), format!("{folded:?}"));

        // A sample referencing a missing location: the same error (and
        // offset) as decoding it whole.
        b.p.sample[30_000].location_id[3] = 9999;
        let data = b.bytes();
        assert!(load_split(&data, "h", &opts, None).is_none());
        let err = format!("{:?}", load(&data, "h", &opts).unwrap_err());
        let mut c = Collect(Vec::new(), 0, 0);
        let folded_err = load_folded(&data, "h", &opts, Some(&mut c)).unwrap_err();
        assert_eq!(format!("{folded_err:?}"), err);
        assert_eq!((c.0.len(), c.2), (0, 1), "what was folded is discarded");
        assert!(
            err.contains("sample 30000 references location 9999"),
            "{err}"
        );
        // A sample that does not decode.
        let mut data = b.bytes();
        let n = data.len();
        data[n / 2..n / 2 + 16].fill(0xff);
        assert!(load_split(&data, "h", &opts, None).is_none());
        assert!(load(&data, "h", &opts).is_err());
    }
}
