# Sieve script for the rua mailbox, with Dovecot Pigeonhole's
# vnd.dovecot.pipe extension.
#
# The raw report is kept in the folder DMARC first, then handed to
# dmarc-pipe.  A Sieve pipe that fails is not retried (the message is just
# kept), so the folder is the safety net: replay it at any time with
#     dmarc-pipe -c /usr/local/etc/dmarc-pipe-sieve.conf ~/Maildir/.DMARC/cur/*
# (already stored reports are recognized and not stored twice).
#
# dovecot.conf (plugin section):
#     sieve_plugins = sieve_extprograms
#     sieve_extensions = +vnd.dovecot.pipe
#     sieve_pipe_bin_dir = /usr/local/lib/dovecot/sieve-pipe
#     # the default is 10 s; a large report stored into Redis can take longer
#     sieve_pipe_exec_timeout = 120s
# and in sieve_pipe_bin_dir a wrapper named dmarc-pipe that names the
# configuration (Dovecot runs it as the mail user, who cannot open Redis's
# socket: TCP and the ACL user dmarc-pipe, README: Sieve):
#     #!/bin/sh
#     exec /usr/local/bin/dmarc-pipe -c /usr/local/etc/dmarc-pipe-sieve.conf
# with /usr/local/etc/dmarc-pipe-sieve.conf owned by the mail user, mode 0600.

require ["vnd.dovecot.pipe", "copy", "fileinto", "mailbox"];

fileinto :create "DMARC";
pipe :copy :try "dmarc-pipe";
stop;
