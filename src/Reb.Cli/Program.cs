// Placeholder entry point; the real command tree is added with the pipeline.
Console.WriteLine("reb");
