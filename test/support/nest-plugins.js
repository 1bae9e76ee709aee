// Applies the Nest CLI plugins (@ApiProperty / @Field from types and JSDoc) under ts-jest,
// so tests see the same OpenAPI and GraphQL metadata as `nest build`.
const nestCli = require('../../nest-cli.json');

function pluginTransformer(name) {
  const plugin = nestCli.compilerOptions.plugins.find((entry) => entry.name === name);
  const transformer = require(`${name}/plugin`);
  // Loading @nestjs/graphql/plugin puts GraphQL's metadata storages on this realm's globalThis.
  // Jest copies the globals it finds at start-up into every test file's sandbox, so in-band runs
  // (one worker on 2 cores) would share one storage across files, and the second file's schema
  // would mix in the first file's classes ("Cannot determine a GraphQL output type").
  delete globalThis.GqlTypeMetadataStorage;
  delete globalThis.GqlLazyMetadataStorageHost;
  return {
    name: `${name}-transformer`,
    version: 1,
    factory: (compiler) => transformer.before(plugin.options, compiler.program),
  };
}

module.exports = { pluginTransformer };
