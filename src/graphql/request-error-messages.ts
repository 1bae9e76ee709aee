import { ApolloServerErrorCode } from '@apollo/server/errors';
import { GraphQLError } from 'graphql';

/**
 * graphql-js and Apollo word their own request errors (syntax, validation, variable coercion,
 * operation name) with the offending value: `Variable "$i" got invalid value { password: "…" }`,
 * `Int cannot represent non-integer value: "…"`, `found String "…"`. A password typed into the
 * wrong field would come straight back. These rewrites keep the field and the problem only.
 */

/** A variable coercion error named by its field: `{ field: 'i.x', message: 'Variable "$i" at "i.x": unknown field' }`. */
export interface CoercionError {
  field: string;
  message: string;
}

const COERCION = /^Variable "\$(\w+)" got invalid value /;
/** Paths are built from schema field names and list indexes only. */
const COERCION_PATH = / at "(\w+(?:\.\w+|\[\d+\])*)"$/;

/** Variable coercion errors (BAD_USER_INPUT raised by graphql-js), or undefined for any other message. */
export function describeCoercionError(message: string, error: unknown): CoercionError | undefined {
  const head = COERCION.exec(message);
  if (head === null) return undefined;
  const variable = head[1];
  // the reason graphql-js appended after `; ` is the original error Apollo keeps
  const reason =
    error instanceof GraphQLError && error.originalError instanceof GraphQLError
      ? error.originalError.message
      : undefined;
  let field = variable;
  let problem = 'invalid value';
  if (reason !== undefined && message.endsWith(`; ${reason}`)) {
    const prefix = message.slice(0, message.length - reason.length - 2);
    field = COERCION_PATH.exec(prefix)?.[1] ?? variable;
    const described = describeReason(reason);
    if (described.field !== undefined) field = `${field}.${described.field}`;
    problem = described.problem;
  }
  return { field, message: `Variable "$${variable}" at "${field}": ${problem}` };
}

function describeReason(reason: string): { field?: string; problem: string } {
  let match = /^Field "(\w+)" is not defined by type "\w+"\./.exec(reason);
  if (match !== null) return { field: match[1], problem: 'unknown field' };
  match = /^Field "(\w+)" of required type "([\w[\]!]+)" was not provided\.$/.exec(reason);
  if (match !== null) return { field: match[1], problem: `required field of type ${match[2]}` };
  match = /^Expected non-nullable type "([\w[\]!]+)" not to be null\.$/.exec(reason);
  if (match !== null) return { problem: `must not be null (type ${match[1]})` };
  match = /^Field "(\w+)" must be non-null\.$/.exec(reason);
  if (match !== null) return { field: match[1], problem: 'must not be null' };
  const type = expectedType(reason);
  return { problem: type === undefined ? 'invalid value' : `expected type ${type}` };
}

/** The type a scalar or enum error says it expected, read from the schema-given part only. */
function expectedType(reason: string): string | undefined {
  return (
    /^Expected type "(\w+)"/.exec(reason)?.[1] ??
    /^Enum "(\w+)" cannot represent /.exec(reason)?.[1] ??
    /^(\w+) cannot represent /.exec(reason)?.[1] ??
    /" does not exist in "(\w+)" enum\.(?: Did you mean the enum value[^"]*(?:"\w+"[^"]*)*\?)?$/.exec(
      reason,
    )?.[1]
  );
}

/** The message of a syntax, validation or operation-name error, without the submitted values it quoted. */
export function withoutSubmittedValues(code: unknown, message: string): string {
  switch (code) {
    case ApolloServerErrorCode.GRAPHQL_PARSE_FAILED:
      return syntaxErrorMessage(message);
    case ApolloServerErrorCode.GRAPHQL_VALIDATION_FAILED:
      return validationErrorMessage(message);
    case ApolloServerErrorCode.OPERATION_RESOLUTION_FAILURE:
      return message.startsWith('Unknown operation named ')
        ? 'operationName names no operation of the document.'
        : message;
    default:
      return message;
  }
}

/** `Expected ":", found String "hunter2".` → `Expected ":", found String.` */
function syntaxErrorMessage(message: string): string {
  const token =
    /^Syntax Error: (Unexpected|Expected [^,"]*(?:"[^"]*")?, found) (Name|String|BlockString|Int|Float|Comment) "/.exec(
      message,
    );
  if (token !== null) return `Syntax Error: ${token[1]} ${token[2]}.`;
  // `Unexpected character: "x".`, `Invalid Unicode escape sequence: "\u{…}".` and the like
  const quoted = /^(Syntax Error: [^"]*?): "/.exec(message);
  return quoted !== null ? `${quoted[1]}.` : message;
}

/** Literals in the query and default values of variables, checked by ValuesOfCorrectTypeRule. */
function validationErrorMessage(message: string): string {
  const expected =
    /^Expected value of type "([\w[\]!]+)", found /.exec(message)?.[1] ??
    /^Enum "(\w+)" cannot represent /.exec(message)?.[1] ??
    /^(\w+) cannot represent /.exec(message)?.[1] ??
    (message.startsWith('Value ')
      ? /" does not exist in "(\w+)" enum\.(?: Did you mean the enum value[^"]*(?:"\w+"[^"]*)*\?)?$/.exec(
          message,
        )?.[1]
      : undefined);
  return expected === undefined ? message : `Expected value of type "${expected}".`;
}
