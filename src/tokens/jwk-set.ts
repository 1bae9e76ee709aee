import { ApiProperty } from '@nestjs/swagger';
import { EXAMPLE } from '../common/api-docs/api-docs';
import type { PublicJwk } from '../config/jwt-keys';

/** OpenAPI shape of one published key (the values are `PublicJwk`s). */
export class Jwk implements PublicJwk {
  @ApiProperty({ enum: ['EC'] })
  kty!: 'EC';

  @ApiProperty({ enum: ['P-256'] })
  crv!: 'P-256';

  @ApiProperty({
    description: 'base64url x coordinate',
    example: 'f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU',
  })
  x!: string;

  @ApiProperty({
    description: 'base64url y coordinate',
    example: 'x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0',
  })
  y!: string;

  @ApiProperty({
    description: 'RFC 7638 thumbprint of the key; access tokens name it in their `kid` header',
    example: EXAMPLE.keyId,
  })
  kid!: string;

  @ApiProperty({ enum: ['ES256'] })
  alg!: 'ES256';

  @ApiProperty({ enum: ['sig'] })
  use!: 'sig';
}

export class JwkSet {
  @ApiProperty({
    type: [Jwk],
    description: 'Current signing key first, then the previous keys still accepted',
  })
  keys!: readonly PublicJwk[];
}
