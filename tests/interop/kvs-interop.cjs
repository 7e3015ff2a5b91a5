// Runs every KVS data-plane operation with the official AWS SDK for JavaScript v3, unmodified,
// against the endpoint in KVS_ENDPOINT (e.g. http://localhost:8080) and prints one JSON summary.
// The SDK turns that endpoint into http://<account>.localhost:8080 (the account comes from the ARN),
// a name the system resolver does not know; the http.Agent below resolves *.localhost to 127.0.0.1.
"use strict";
require("@aws-sdk/signature-v4a"); // registers the JavaScript SigV4a signer the KVS client needs
const http = require("node:http");
const { NodeHttpHandler } = require("@smithy/node-http-handler");
const {
  CloudFrontKeyValueStoreClient,
  DescribeKeyValueStoreCommand,
  PutKeyCommand,
  GetKeyCommand,
  ListKeysCommand,
  UpdateKeysCommand,
  DeleteKeyCommand,
} = require("@aws-sdk/client-cloudfront-keyvaluestore");

function localhostLookup(hostname, options, callback) {
  if (typeof options === "function") [callback, options] = [options, {}];
  if (hostname !== "localhost" && !hostname.endsWith(".localhost")) {
    return require("node:dns").lookup(hostname, options, callback);
  }
  return options.all ? callback(null, [{ address: "127.0.0.1", family: 4 }]) : callback(null, "127.0.0.1", 4);
}

async function main() {
  const arn = process.env.KVS_ARN;
  const client = new CloudFrontKeyValueStoreClient({
    region: "us-east-1",
    endpoint: process.env.KVS_ENDPOINT,
    credentials: { accessKeyId: process.env.AWS_ACCESS_KEY_ID, secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY },
    requestHandler: new NodeHttpHandler({ httpAgent: new http.Agent({ lookup: localhostLookup }) }),
    maxAttempts: 1,
  });
  const hosts = [];
  client.middlewareStack.add((next) => async (args) => {
    hosts.push(args.request.hostname);
    return next(args);
  }, { step: "finalizeRequest", name: "recordHost" });

  const described = await client.send(new DescribeKeyValueStoreCommand({ KvsARN: arn }));
  const put = await client.send(new PutKeyCommand({ KvsARN: arn, Key: "o:https://www.example.com", Value: "{}", IfMatch: described.ETag }));
  const got = await client.send(new GetKeyCommand({ KvsARN: arn, Key: "o:https://www.example.com" }));
  const updated = await client.send(new UpdateKeysCommand({
    KvsARN: arn,
    IfMatch: put.ETag,
    Puts: [{ Key: "a/b c", Value: "1" }, { Key: "cfg", Value: "{\"v\":1}" }],
    Deletes: [{ Key: "o:https://www.example.com" }],
  }));
  const listed = await client.send(new ListKeysCommand({ KvsARN: arn, MaxResults: 1 }));
  const rest = await client.send(new ListKeysCommand({ KvsARN: arn, MaxResults: 50, NextToken: listed.NextToken }));
  const deleted = await client.send(new DeleteKeyCommand({ KvsARN: arn, Key: "a/b c", IfMatch: updated.ETag }));
  const errors = {};
  for (const [name, command] of [
    ["staleETag", new PutKeyCommand({ KvsARN: arn, Key: "k", Value: "v", IfMatch: put.ETag })],
    ["missingKey", new GetKeyCommand({ KvsARN: arn, Key: "a/b c" })],
  ]) {
    try {
      await client.send(command);
      errors[name] = "no error";
    } catch (e) {
      errors[name] = { name: e.name, status: e.$metadata?.httpStatusCode, message: e.message };
    }
  }
  const final = await client.send(new DescribeKeyValueStoreCommand({ KvsARN: arn }));

  console.log(JSON.stringify({
    hosts: [...new Set(hosts)],
    describe: { arn: described.KvsARN, itemCount: described.ItemCount, etag: described.ETag, created: described.Created },
    put: { itemCount: put.ItemCount, etag: put.ETag },
    get: { key: got.Key, value: got.Value },
    update: { itemCount: updated.ItemCount, totalSizeInBytes: updated.TotalSizeInBytes },
    list: { first: listed.Items.map((i) => i.Key), nextToken: listed.NextToken ?? null, rest: rest.Items.map((i) => i.Key) },
    delete: { itemCount: deleted.ItemCount, etag: deleted.ETag },
    errors,
    final: { itemCount: final.ItemCount, etag: final.ETag },
  }));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
