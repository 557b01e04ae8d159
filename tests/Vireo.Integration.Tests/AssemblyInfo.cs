// Every test here boots real QEMU under TCG on a small machine: running them one at a time keeps boot times,
// and therefore timeouts, predictable.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
