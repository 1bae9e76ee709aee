import { GraphQLError } from 'graphql';
import { describeCoercionError, withoutSubmittedValues } from './request-error-messages';

/** What Apollo hands formatError for a variable coercion error: the reason as originalError. */
function coercion(prefix: string, reason: string): [string, GraphQLError] {
  const message = `${prefix}; ${reason}`;
  return [message, new GraphQLError(message, { originalError: new GraphQLError(reason) })];
}

describe(describeCoercionError.name, () => {
  it('names the path and the problem, never the value', () => {
    const cases: [string, string, string][] = [
      [
        'Variable "$i" got invalid value { username: "bob", password: "hunter22", x: 1 }',
        'Field "x" is not defined by type "SignInInput". Did you mean "password"?',
        'Variable "$i" at "i.x": unknown field',
      ],
      [
        'Variable "$i" got invalid value { username: "hunter22" }',
        'Field "password" of required type "String!" was not provided.',
        'Variable "$i" at "i.password": required field of type String!',
      ],
      [
        'Variable "$i" got invalid value 5 at "i.password"',
        'String cannot represent a non string value: 5',
        'Variable "$i" at "i.password": expected type String',
      ],
      [
        'Variable "$s" got invalid value "hunter22"',
        'Value "hunter22" does not exist in "LogoutScope" enum. Did you mean the enum value "ALL"?',
        'Variable "$s" at "s": expected type LogoutScope',
      ],
      [
        'Variable "$l" got invalid value "hunter22" at "l[2]"',
        'Something new about "hunter22"',
        'Variable "$l" at "l[2]": invalid value',
      ],
    ];
    for (const [prefix, reason, expected] of cases) {
      const result = describeCoercionError(...coercion(prefix, reason));
      expect(result?.message).toBe(expected);
      expect(JSON.stringify(result)).not.toContain('hunter22');
    }
  });

  it('is not fooled by a value that imitates a path', () => {
    const [message, error] = coercion(
      'Variable "$i" got invalid value "hunter22 at \\"i.x\\""',
      'Expected type "SignInInput" to be an object.',
    );
    expect(describeCoercionError(message, error)).toEqual({
      field: 'i',
      message: 'Variable "$i" at "i": expected type SignInInput',
    });
  });

  it('without the original reason, says only that the value is invalid', () => {
    const message =
      'Variable "$i" got invalid value "hunter22"; Expected type "X" to be an object.';
    expect(describeCoercionError(message, new GraphQLError(message))?.message).toBe(
      'Variable "$i" at "i": invalid value',
    );
  });
});

describe(withoutSubmittedValues.name, () => {
  it.each([
    [
      'GRAPHQL_PARSE_FAILED',
      'Syntax Error: Expected ":", found String "hunter22".',
      'Syntax Error: Expected ":", found String.',
    ],
    [
      'GRAPHQL_PARSE_FAILED',
      'Syntax Error: Unexpected Name "hunter22".',
      'Syntax Error: Unexpected Name.',
    ],
    [
      'GRAPHQL_PARSE_FAILED',
      'Syntax Error: Invalid Unicode escape sequence: "\\u{hunter22".',
      'Syntax Error: Invalid Unicode escape sequence.',
    ],
    [
      'GRAPHQL_PARSE_FAILED',
      'Syntax Error: Unterminated string.',
      'Syntax Error: Unterminated string.',
    ],
    [
      'GRAPHQL_VALIDATION_FAILED',
      'Int cannot represent non-integer value: "hunter22"',
      'Expected value of type "Int".',
    ],
    [
      'GRAPHQL_VALIDATION_FAILED',
      'Expected value of type "SignInInput!", found "hunter22".',
      'Expected value of type "SignInInput!".',
    ],
    [
      'GRAPHQL_VALIDATION_FAILED',
      'Value "hunter22" does not exist in "LogoutScope" enum.',
      'Expected value of type "LogoutScope".',
    ],
    [
      'GRAPHQL_VALIDATION_FAILED',
      'Field "x" is not defined by type "SignInInput".',
      'Field "x" is not defined by type "SignInInput".',
    ],
    [
      'OPERATION_RESOLUTION_FAILURE',
      'Unknown operation named "hunter22".',
      'operationName names no operation of the document.',
    ],
  ])('%s: %s', (code, message, expected) => {
    expect(withoutSubmittedValues(code, message)).toBe(expected);
  });
});
