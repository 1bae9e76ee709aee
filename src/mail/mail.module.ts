import { Module } from '@nestjs/common';
import { MailService } from './mail.service';

/** Outgoing mail (SMTP_URL, MAIL_FROM), for the features that mail their users. */
@Module({ providers: [MailService], exports: [MailService] })
export class MailModule {}
