// Placeholder until the first benchmark lands.
Console.WriteLine("no benchmarks yet");
