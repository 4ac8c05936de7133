// One ActorEdge edge silo, configured from appsettings.json, environment variables
// (ActorEdge__Port, NODE_NAME, ...) and the command line (--ActorEdge:Port=11112).
// Without ActorEdge:PrimaryEndpoint it is the development primary; with it, it joins that primary.
using System.Net;
using ActorEdge.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;

var builder = Host.CreateApplicationBuilder(args);
var config = builder.Configuration.GetSection("ActorEdge");
var port = config.GetValue("Port", 11111);
var primary = config["PrimaryEndpoint"] is { Length: > 0 } endpoint ? IPEndPoint.Parse(endpoint) : null;

builder.UseActorEdge(silo =>
{
    silo.UseLocalhostClustering(port, primary, config["ClusterId"] ?? "dev", config["ServiceId"] ?? "actoredge");
    silo.Configure<SiloOptions>(options =>
    {
        options.ListenAddress = IPAddress.Parse(config["ListenAddress"] ?? "127.0.0.1");
        options.NodeName = config["NodeName"] is { Length: > 0 } node ? node : null;
        options.Zone = config["Zone"];
    });
    silo.AddDevelopmentGrainStorage(config["Storage"] ?? "store");
    // Grains of the Reactive strategy keep their state in files on this node; they move with the grain.
    silo.AddNodeLocalGrainStorage(StorageNames.Reactive, options => options.RootPath = config["NodeLocalRoot"] is { Length: > 0 } root ? root : null);
});

await builder.Build().RunAsync();
