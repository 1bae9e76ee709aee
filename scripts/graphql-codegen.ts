/**
 * `npm run codegen`: writes schema.gql from the code (no database, no app), then the typed
 * documents of codegen.ts from it. `npm run codegen:check` builds both in memory and fails when
 * the committed files differ.
 */
import 'reflect-metadata';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { generate } from '@graphql-codegen/cli';
import type { Types } from '@graphql-codegen/plugin-helpers';
import { DynamicModule, Type } from '@nestjs/common';
import { MODULE_METADATA } from '@nestjs/common/constants';
import { NestFactory } from '@nestjs/core';
import {
  GraphQLSchemaBuilderModule,
  GraphQLSchemaFactory,
  RESOLVER_TYPE_METADATA,
} from '@nestjs/graphql';
import { lexicographicSortSchema, printSchema } from 'graphql';
import codegenConfig, { formatLikePrettier } from '../codegen';
import { GRAPHQL_FEATURE_MODULES } from '../src/graphql/graphql-api.module';

const ROOT = resolve(__dirname, '..');
export const SCHEMA_FILE = 'schema.gql';
const SCHEMA_HEADER =
  '# Generated from the code by `npm run codegen`; `npm run codegen:check` fails when it is stale.\n\n';

/** The schema as the server builds it (same resolvers, sorted), printed and formatted. */
export async function buildSchemaFile(): Promise<string> {
  const context = await NestFactory.createApplicationContext(GraphQLSchemaBuilderModule, {
    logger: false,
  });
  try {
    const schema = await context
      .get(GraphQLSchemaFactory)
      .create(resolversOf(GRAPHQL_FEATURE_MODULES));
    return formatLikePrettier(
      resolve(ROOT, SCHEMA_FILE),
      SCHEMA_HEADER + printSchema(lexicographicSortSchema(schema)),
    );
  } finally {
    await context.close();
  }
}

/** The `@Resolver()` providers of the modules, as GraphQLModule's `include` finds them. */
function resolversOf(modules: readonly (Type | DynamicModule)[]): Type[] {
  return modules.flatMap((module) => {
    const providers: unknown[] = [
      ...((Reflect.getMetadata(
        MODULE_METADATA.PROVIDERS,
        'module' in module ? module.module : module,
      ) as unknown[] | undefined) ?? []),
      ...('module' in module ? (module.providers ?? []) : []),
    ];
    return providers.filter(
      (provider): provider is Type =>
        typeof provider === 'function' && Reflect.hasMetadata(RESOLVER_TYPE_METADATA, provider),
    );
  });
}

/** The files codegen.ts describes, generated from `schema` instead of the file on disk. */
async function generateDocuments(schema: string): Promise<Map<string, string>> {
  const config: Types.Config & { cwd: string } = {
    ...codegenConfig,
    schema,
    hooks: {},
    cwd: ROOT,
    silent: true,
  };
  const outputs = (await generate(config, false)) as Types.FileOutput[];
  const files = new Map<string, string>();
  for (const output of outputs)
    files.set(
      output.filename,
      await formatLikePrettier(resolve(ROOT, output.filename), output.content),
    );
  return files;
}

function read(file: string): string | undefined {
  try {
    return readFileSync(resolve(ROOT, file), 'utf8');
  } catch {
    return undefined;
  }
}

async function main(): Promise<void> {
  const check = process.argv.includes('--check');
  const files = new Map([[SCHEMA_FILE, await buildSchemaFile()]]);
  for (const [file, content] of await generateDocuments(files.get(SCHEMA_FILE)!))
    files.set(file, content);

  if (!check) {
    for (const [file, content] of files) {
      mkdirSync(dirname(resolve(ROOT, file)), { recursive: true });
      writeFileSync(resolve(ROOT, file), content);
    }
    console.log(`Wrote ${[...files.keys()].join(', ')}`);
    return;
  }
  const stale = [...files]
    .filter(([file, content]) => read(file) !== content)
    .map(([file]) => file);
  if (stale.length > 0) {
    console.error(`Stale: ${stale.join(', ')}. Run \`npm run codegen\` and commit the result.`);
    process.exitCode = 1;
  } else {
    console.log(`Up to date: ${[...files.keys()].join(', ')}`);
  }
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
