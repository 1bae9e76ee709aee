// Applies the Nest CLI plugins (@ApiProperty / @Field from types and JSDoc) under ts-jest,
// so tests see the same OpenAPI and GraphQL metadata as `nest build`.
const nestCli = require('../../nest-cli.json');

function pluginTransformer(name) {
  const plugin = nestCli.compilerOptions.plugins.find((entry) => entry.name === name);
  const transformer = require(`${name}/plugin`);
  return {
    name: `${name}-transformer`,
    version: 1,
    factory: (compiler) => transformer.before(plugin.options, compiler.program),
  };
}

module.exports = { pluginTransformer };
