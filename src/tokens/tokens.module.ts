import { Module } from '@nestjs/common';
import { JwtModule } from '@nestjs/jwt';
import { JwksController } from './jwks.controller';
import { TokenService } from './token.service';

/** Signing keys and what is made with them: access tokens, the JWK Set, opaque tokens. */
@Module({
  // TokenService passes the imported key with every call
  imports: [JwtModule.register({})],
  controllers: [JwksController],
  providers: [TokenService],
  exports: [TokenService],
})
export class TokensModule {}
