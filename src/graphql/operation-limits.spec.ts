import { getIntrospectionQuery, Kind, OperationDefinitionNode, parse } from 'graphql';
import { MAX_QUERY_DEPTH, operationDepth } from './operation-limits';

function depthOf(query: string): number {
  const document = parse(query);
  const operation = document.definitions.find(
    (definition) => definition.kind === Kind.OPERATION_DEFINITION,
  );
  return operationDepth(document, operation as OperationDefinitionNode);
}

describe(operationDepth.name, () => {
  it('counts nested fields', () => {
    expect(depthOf('{ a }')).toBe(1);
    expect(depthOf('{ a b { c } d { e { f } } }')).toBe(3);
  });

  it('follows fragment spreads and inline fragments without counting them as levels', () => {
    expect(depthOf('{ a { ...F } } fragment F on T { b { ... on U { c } } }')).toBe(3);
  });

  it('lets the standard introspection query through', () => {
    expect(depthOf(getIntrospectionQuery())).toBeLessThanOrEqual(MAX_QUERY_DEPTH);
  });
});
