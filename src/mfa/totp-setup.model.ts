import { ObjectType } from '@nestjs/graphql';
import { ApiProperty } from '@nestjs/swagger';

/** A TOTP factor waiting to be confirmed with a code of it. */
@ObjectType('TotpSetup')
export class TotpSetup {
  /**
   * The TOTP secret, base32 (160 bits), for typing into an authenticator app.
   * @example "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
   */
  @ApiProperty({ pattern: '^[A-Z2-7]+$' })
  secret!: string;

  /**
   * The same secret as an `otpauth://totp/` URI (issuer JWT_ISSUER, the username, SHA1, 6
   * digits, 30 s), for a QR code.
   * @example "otpauth://totp/nest-auth-service:ada.lovelace?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&issuer=nest-auth-service&algorithm=SHA1&digits=6&period=30"
   */
  otpauthUrl!: string;
}
