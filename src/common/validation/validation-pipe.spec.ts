import { ArgumentMetadata, ValidationPipe } from '@nestjs/common';
import { IsInt, IsString, Max } from 'class-validator';
import { PageArgs } from './page.args';
import { AppError } from '../errors/app-error';
import { createValidationPipe } from './validation-pipe';

class Credentials {
  @IsString()
  username!: string;

  @IsString()
  password!: string;
}

class Unmarked {
  @IsInt()
  @Max(10)
  limit!: number;
}

/** As @nestjs/graphql passes `@Args()` to the pipe. */
const argsOf = (metatype: ArgumentMetadata['metatype']): ArgumentMetadata => ({
  type: 'body',
  metatype,
});

/** graphql-js builds argument objects on a null prototype. */
const graphqlArgs = (fields: Record<string, unknown>): object =>
  Object.assign(Object.create(null) as object, fields);

describe('the validation pipe', () => {
  let validations: jest.SpyInstance;

  beforeEach(() => {
    validations = jest.spyOn(ValidationPipe.prototype, 'transform');
  });

  afterEach(() => validations.mockRestore());

  it('validates equal paging arguments once, and hands out a frozen value', async () => {
    const pipe = createValidationPipe();
    const results = [];
    for (let i = 0; i < 100; i += 1) {
      results.push(await pipe.transform(graphqlArgs({ limit: 10 }), argsOf(PageArgs)));
    }
    results.push(await pipe.transform({ limit: 10 }, argsOf(PageArgs)));
    expect(validations).toHaveBeenCalledTimes(1);
    expect(results[100]).toBeInstanceOf(PageArgs);
    expect(results[100]).toEqual({ limit: 10 });
    expect(Object.isFrozen(results[100])).toBe(true);

    await pipe.transform({ limit: 11 }, argsOf(PageArgs));
    await pipe.transform({ limit: 10, after: '665f1c2b9d3e4a0012ab34cd' }, argsOf(PageArgs));
    expect(validations).toHaveBeenCalledTimes(3);
  });

  it('refuses invalid paging arguments every time, never from memory', async () => {
    const pipe = createValidationPipe();
    for (let i = 0; i < 3; i += 1) {
      await expect(pipe.transform({ limit: 0 }, argsOf(PageArgs))).rejects.toBeInstanceOf(AppError);
      await expect(pipe.transform({ limit: '1e1' }, argsOf(PageArgs))).rejects.toBeInstanceOf(
        AppError,
      );
    }
    expect(validations).toHaveBeenCalledTimes(6);
    // class-transformer would drop `constructor` silently: refused before validation, every time
    const smuggled = graphqlArgs(
      JSON.parse('{"limit":10,"constructor":1}') as Record<string, unknown>,
    );
    for (let i = 0; i < 3; i += 1) {
      await expect(pipe.transform(smuggled, argsOf(PageArgs))).rejects.toBeInstanceOf(AppError);
    }
  });

  it('keeps at most 1,000 inputs per class, then starts over', async () => {
    const pipe = createValidationPipe();
    const input = (n: number) => ({ limit: 10, after: n.toString(16).padStart(24, '0') });
    for (let n = 0; n <= 1_000; n += 1) await pipe.transform(input(n), argsOf(PageArgs));
    expect(validations).toHaveBeenCalledTimes(1_001);

    await pipe.transform(input(1_000), argsOf(PageArgs));
    expect(validations).toHaveBeenCalledTimes(1_001);
    await pipe.transform(input(0), argsOf(PageArgs));
    expect(validations).toHaveBeenCalledTimes(1_002);
  });

  it('keeps nothing of classes not marked reusable (credentials stay out of memory)', async () => {
    const pipe = createValidationPipe();
    for (let i = 0; i < 3; i += 1) {
      await pipe.transform({ username: 'ada', password: 'secret-secret' }, argsOf(Credentials));
      await pipe.transform({ limit: 5 }, argsOf(Unmarked));
    }
    expect(validations).toHaveBeenCalledTimes(6);
  });
});
