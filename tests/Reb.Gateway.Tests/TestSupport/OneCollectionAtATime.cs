// The API and dashboard collections each run their own silo + gateway in this one process. Orleans' runtime meters are
// process-wide and follow the silo host started last, so a fixture disposed while another collection still runs takes
// them out of the other's /metrics (seen: the metrics test found no orleans_ series once the dashboard collection had
// finished). One collection at a time keeps each fixture the only silo while its tests run.
[assembly: Xunit.CollectionBehavior(DisableTestParallelization = true)]
