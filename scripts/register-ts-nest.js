// Lets `node -r ./scripts/register-ts-nest.js script.ts` run TypeScript with the Nest CLI plugins
// (@Field / @ApiProperty from types and JSDoc) applied, as `nest build` and the tests apply them.
const nestCli = require('../nest-cli.json');

require('ts-node').register({
  project: require('node:path').join(__dirname, '..', 'tsconfig.json'),
  // load src/common/express.d.ts and the other global augmentations
  files: true,
  transformers: (program) => ({
    before: nestCli.compilerOptions.plugins.map(({ name, options }) =>
      require(`${name}/plugin`).before(options, program),
    ),
  }),
});
