using System.Globalization;
using EdgeAllowlist.Store.CrashWriter;
using EdgeAllowlist.Store.Local;

// Usage: EdgeAllowlist.Store.CrashWriter <store folder> <compaction threshold in bytes>
// Continues the workload from the step the store is at and prints "ack <step> <etag>" once each
// write is acknowledged, until it is killed. A small threshold makes it compact often, so kills
// also land inside snapshot writes.
var directory = args[0];
var compactionThresholdBytes = long.Parse(args[1], CultureInfo.InvariantCulture);

LocalKeyValueStore store;
try
{
    store = LocalKeyValueStore.Open(directory, arn: null, compactionThresholdBytes);
}
catch (IOException e)
{
    // A clean exit code rather than an unhandled-exception abort (and its core dump).
    Console.Error.WriteLine(e.Message);
    return 3;
}

var counter = await store.GetAsync(CrashWorkload.CounterKey);
var step = counter is null ? 0 : long.Parse(counter.Value, CultureInfo.InvariantCulture);

var stdout = new StreamWriter(Console.OpenStandardOutput()) { AutoFlush = true };
stdout.WriteLine($"ready {step}");
while (true)
{
    step++;
    var (puts, deletes) = CrashWorkload.Step(step);
    var current = await store.DescribeAsync();
    var result = await store.UpdateKeysAsync(current.ETag, puts, deletes);
    stdout.WriteLine($"ack {step} {result.ETag}");
}
