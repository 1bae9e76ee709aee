import type { CodegenConfig } from '@graphql-codegen/cli';
import { format, resolveConfig } from 'prettier';

/** Formats generated files as the repository's Prettier would, so reformatting never makes them stale. */
export async function formatLikePrettier(path: string, content: string): Promise<string> {
  const options = await resolveConfig(path);
  return format(content, { ...options, filepath: path });
}

/**
 * Typed documents (TypedDocumentNode) for the operations the e2e tests send, from the committed
 * schema. `npm run codegen` regenerates schema.gql from the code first, then this output.
 */
const config: CodegenConfig = {
  overwrite: true,
  schema: 'schema.gql',
  documents: 'test/graphql/operations/**/*.graphql',
  generates: {
    'test/generated/graphql.ts': {
      plugins: ['typescript', 'typescript-operations', 'typed-document-node'],
      config: {
        strictScalars: true,
        scalars: { DateTime: 'string' },
        enumsAsTypes: true,
        useTypeImports: true,
        skipTypename: true,
      },
    },
  },
  hooks: { beforeOneFileWrite: formatLikePrettier },
};

export default config;
