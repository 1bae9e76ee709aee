import type {
  ApolloServerPlugin,
  BaseContext,
  GraphQLRequestContextDidResolveOperation,
} from '@apollo/server';
import {
  DocumentNode,
  FragmentDefinitionNode,
  getVariableValues,
  GraphQLError,
  isIntrospectionType,
  Kind,
  OperationDefinitionNode,
  SelectionSetNode,
} from 'graphql';
import {
  ComplexityEstimator,
  fieldExtensionsEstimator,
  getComplexity,
  simpleEstimator,
} from 'graphql-query-complexity';
import { AppError, ErrorCode } from '../common/errors/app-error';
import { MAX_QUERY_COMPLEXITY } from '../common/graphql/graphql-limits';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '../common/validation/page.args';

/**
 * Deepest field nesting accepted, introspection included: our own operations need 4, graphql-js's
 * standard introspection query 15, and a few more levels of `ofType` are left for other clients.
 */
export const MAX_QUERY_DEPTH = 20;

/** Introspection is answered from memory: it is bounded by the depth limit, not by complexity. */
const introspectionIsFree: ComplexityEstimator = ({ type, field }) =>
  isIntrospectionType(type) || field.name.startsWith('__') ? 0 : undefined;

/**
 * Any field that takes a `limit` argument ({@link PageArgs}) returns up to `limit` items, each
 * costing its selection: 1 + limit × children, with the default page when `limit` is absent. A
 * `limit` out of range loads nothing (validation refuses it with its own message): it weighs one.
 */
export const pagedListEstimator: ComplexityEstimator = ({ field, args, childComplexity }) => {
  if (!field.args.some((arg) => arg.name === 'limit')) return undefined;
  const limit = typeof args.limit === 'number' ? args.limit : DEFAULT_PAGE_SIZE;
  const items = limit >= 1 && limit <= MAX_PAGE_SIZE ? limit : 1;
  return 1 + items * Math.max(childComplexity, 1);
};

const estimators = [
  introspectionIsFree,
  fieldExtensionsEstimator(),
  pagedListEstimator,
  simpleEstimator({ defaultComplexity: 1 }),
];

/**
 * Refuses too deep or too costly operations before they run, as BAD_USER_INPUT (HTTP 400) with
 * the domain code VALIDATION_ERROR and the limit in `details`.
 */
export function operationLimitsPlugin(): ApolloServerPlugin {
  return {
    requestDidStart: () =>
      Promise.resolve({
        didResolveOperation: (context) => Promise.resolve().then(() => assertWithinLimits(context)),
      }),
  };
}

type ResolvedOperation = Pick<
  GraphQLRequestContextDidResolveOperation<BaseContext>,
  'document' | 'operation' | 'operationName' | 'request' | 'schema'
>;

function assertWithinLimits({
  document,
  operation,
  operationName,
  request,
  schema,
}: ResolvedOperation): void {
  if (operation === undefined) return; // Apollo refuses an unknown operation name itself
  const depth = operationDepth(document, operation);
  if (depth > MAX_QUERY_DEPTH) {
    throw limitExceeded(
      `The operation is nested ${depth} levels deep; at most ${MAX_QUERY_DEPTH} are allowed`,
    );
  }
  const variables = request.variables ?? {};
  const { errors } = getVariableValues(schema, operation.variableDefinitions ?? [], variables);
  // variables of the wrong type are answered by execution as BAD_USER_INPUT; nothing to weigh
  if (errors !== undefined) return;
  let complexity: number;
  try {
    complexity = getComplexity({
      schema,
      query: document,
      operationName: operationName ?? undefined,
      variables,
      estimators,
    });
  } catch {
    complexity = Infinity; // more nodes than graphql-query-complexity agrees to weigh
  }
  if (complexity > MAX_QUERY_COMPLEXITY) {
    throw limitExceeded(
      `The operation's complexity is ${complexity}; at most ${MAX_QUERY_COMPLEXITY} is allowed`,
    );
  }
}

/** The deepest field nesting of an operation, following fragment spreads. */
export function operationDepth(document: DocumentNode, operation: OperationDefinitionNode): number {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) {
      fragments.set(definition.name.value, definition);
    }
  }
  const depthOf = (selectionSet: SelectionSetNode, visiting: ReadonlySet<string>): number => {
    let deepest = 0;
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) {
        deepest = Math.max(
          deepest,
          1 + (selection.selectionSet ? depthOf(selection.selectionSet, visiting) : 0),
        );
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        deepest = Math.max(deepest, depthOf(selection.selectionSet, visiting));
      } else {
        const name = selection.name.value;
        const fragment = fragments.get(name);
        if (fragment !== undefined && !visiting.has(name)) {
          deepest = Math.max(deepest, depthOf(fragment.selectionSet, new Set([...visiting, name])));
        }
      }
    }
    return deepest;
  };
  return depthOf(operation.selectionSet, new Set());
}

/**
 * A refused operation is answered like any other BAD_USER_INPUT: HTTP 200 with `errors[]`, as the
 * contract has GraphQL answer the validation failures it lists (Apollo would say 500 for an error
 * thrown from a plugin hook).
 */
function limitExceeded(message: string): GraphQLError {
  return new GraphQLError(message, {
    originalError: new AppError(ErrorCode.VALIDATION_ERROR, message, [{ field: 'query', message }]),
    extensions: { http: { status: 200 } },
  });
}
