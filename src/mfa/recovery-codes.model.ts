import { ObjectType } from '@nestjs/graphql';
import { ApiProperty } from '@nestjs/swagger';

/** Codes that stand in for the authenticator app, each once. Shown this once: keep them safe. */
@ObjectType('RecoveryCodes')
export class RecoveryCodes {
  /** 10 codes of 60 random bits; any replaces a TOTP code once (sign-in, regenerate, disable). */
  @ApiProperty({
    type: [String],
    minItems: 10,
    maxItems: 10,
    example: Array.from({ length: 10 }, (_, i) => `k7${i}q-4mzr-x9${i}t`),
  })
  recoveryCodes!: string[];
}
