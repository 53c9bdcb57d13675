# Sieve script for the rua mailbox, with Dovecot Pigeonhole's
# vnd.dovecot.pipe extension.
#
# The raw report is kept in the folder DMARC first, then handed to
# dmarc-pipe.  A Sieve pipe that fails is not retried (the message is just
# kept), so the folder is the safety net: replay it at any time with
#     dmarc-pipe ~/Maildir/.DMARC/cur/*
# (already stored reports are recognized and not stored twice).
#
# dovecot.conf (plugin section):
#     sieve_plugins = sieve_extprograms
#     sieve_extensions = +vnd.dovecot.pipe
#     sieve_pipe_bin_dir = /usr/local/lib/dovecot/sieve-pipe
#     # the default is 10 s; a large report stored into Redis can take longer
#     sieve_pipe_exec_timeout = 120s
# and a link: ln -s /usr/local/bin/dmarc-pipe /usr/local/lib/dovecot/sieve-pipe/

require ["vnd.dovecot.pipe", "copy", "fileinto", "mailbox"];

fileinto :create "DMARC";
pipe :copy :try "dmarc-pipe";
stop;
