import { Controller, Get, Res } from '@nestjs/common';
import { ApiExtraModels, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Public } from '../common/decorators';
import { Unenveloped } from '../http/envelope';
import { Jwk, JwkSet } from './jwk-set';
import { TokenService } from './token.service';

@ApiTags('keys')
@Controller('.well-known')
export class JwksController {
  constructor(private readonly tokens: TokenService) {}

  @Public()
  @Get('jwks.json')
  @ApiOperation({
    summary: 'The public keys access tokens are signed with (JWK Set, RFC 7517)',
    description:
      'Every key a token may be verified with: the current signing key and those in `JWT_PREVIOUS_PUBLIC_KEYS`; ' +
      'a token names its key in the `kid` header. Served as is, not in the envelope. This server signs with JWT_ALGORITHM; the set is empty with HS256.',
  })
  @ApiExtraModels(Jwk)
  @ApiOkResponse({
    type: JwkSet,
    description: 'The JWK Set',
    headers: {
      'Cache-Control': {
        description: '`public, max-age=N`: N is a third of JWT_ACCESS_TTL in seconds, at most 300',
        schema: { type: 'string', example: 'public, max-age=300' },
      },
    },
  })
  publicKeys(@Res({ passthrough: true }) res: Response): Unenveloped<JwkSet> {
    res.setHeader('Cache-Control', `public, max-age=${this.tokens.publicKeySetMaxAgeSeconds}`);
    return new Unenveloped(this.tokens.publicKeySet());
  }
}
