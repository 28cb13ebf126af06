#!/bin/bash
# Real servers for the health-check e2e tests (e2e/checks_test.go), run
# inside the lab VM only. There is no systemd in the guest and / is the
# host's read-only root, so every daemon is started by hand, in the
# foreground, with its configuration and state in WORK.
#
#   lab-servers.sh start WORK   network namespace "srv" + every server
#   lab-servers.sh stop WORK    kill them (the namespace goes with resetKernel)
#   lab-servers.sh prepare DIR  on the host (make e2e): what start copies
#                               instead of making it in the guest
#   (lab-servers.sh setup WORK NAME: one server's set-up, for start)
#
# Addresses (inside the VM only; the VM has no outside network):
#   10.0.1.1  the director (root namespace, veth vd0)
#   10.0.1.2  the real servers (namespace srv); CA-signed certificate
#             naming 10.0.1.2
#   10.0.1.3  black hole: every packet to it is dropped in srv
#   10.0.1.4  the same servers; TLS services present a CA-signed
#             certificate for another name (wrong.example.test)
# Each server's log is WORK/NAME.log; `start` fails naming the server that
# did not come up.
set -euo pipefail

cmd=${1:?start|stop}
W=${2:?work dir}
NS="ip netns exec srv"

log() { printf 'lab-servers: %s\n' "$*" >&2; }

# The databases' bootstrap (initdb, mariadb-install-db) takes minutes in
# the emulated guest and seconds on the host, and so do, to a lesser
# degree, the certificates: make e2e prepares them here (bin/ of the
# checkout, which the guest sees read-only) and start copies them.
prepared=$(cd "$(dirname "$0")/../.." && pwd)/bin/lab-servers

# bg NAME CMD...: start CMD in the srv namespace, in the background.
bg() {
	local name=$1
	shift
	setsid $NS "$@" >"$W/$name.log" 2>&1 </dev/null &
	echo $! >"$W/$name.pid"
}

# The ports each server must listen on before the tests start: NAME
# PROTO/PORT... (NAME as given to bg, so its pid and log are found).
ports=(
	"nginx tcp/80 tcp/443 tcp/8443"
	"dnsmasq udp/53 tcp/53"
	"vsftpd tcp/21"
	"postfix tcp/25 tcp/587"
	"dovecot tcp/110 tcp/995 tcp/143 tcp/993"
	"slapd tcp/389 tcp/636"
	"freeradius udp/1812"
	"kamailio udp/5060 udp/5062 tcp/5060"
	"leafnode tcp/119 tcp/1119"
	"postgres tcp/5432"
	"mariadb tcp/3306"
)

# fail NAME WHY: say why, with NAME's logs, and give up.
fail() {
	log "$1 $2; its logs:"
	local f
	for f in "$W/setup-$1.log" "$W/$1".log "$W/$1"-*.log; do
		[[ -s "$f" ]] && { echo "--- $f" >&2; tail -n 30 "$f" >&2; }
	done
	exit 1
}

# wait_ready DEADLINE: poll (one ss per round, not one per port: every
# process costs in the emulated guest) until every server of ports
# listens; fail as soon as a set-up or a daemon dies, or at DEADLINE
# ($SECONDS).
wait_ready() {
	local deadline=$1 pending=("${ports[@]}") left listening entry name want p ok f
	while ((${#pending[@]})); do
		listening=" $($NS ss -lntuH | awk '{n = split($5, a, ":"); printf "%s/%s ", $1, a[n]}') "
		left=()
		for entry in "${pending[@]}"; do
			read -r name want <<<"$entry"
			ok=1
			for p in $want; do
				[[ "$listening" == *" $p "* ]] || ok=0
			done
			if ((ok)); then
				log "$name up after $((SECONDS - t0))s"
				continue
			fi
			f=$W/setup-$name.rc
			if [[ -f "$f" && "$(cat "$f")" != 0 ]]; then
				fail "$name" "could not be set up"
			fi
			if [[ -f "$W/$name.pid" ]] && ! kill -0 "$(cat "$W/$name.pid")" 2>/dev/null; then
				fail "$name" "died before listening on $want"
			fi
			if ((SECONDS > deadline)); then
				fail "$name" "did not listen on $want within $((SECONDS - t0))s"
			fi
			left+=("$entry")
		done
		pending=("${left[@]}")
		((${#pending[@]})) && sleep 0.5
	done
	return 0
}

net() {
	ip netns add srv
	ip link add vd0 type veth peer name vs0 netns srv
	ip addr add 10.0.1.1/24 dev vd0
	ip link set vd0 up
	$NS ip link set lo up
	for a in 10.0.1.2 10.0.1.3 10.0.1.4; do
		$NS ip addr add $a/24 dev vs0
	done
	$NS ip link set vs0 up
	# The black hole: SYNs, datagrams and pings vanish, so every check of
	# it can only end by its timeout.
	$NS iptables -A INPUT -d 10.0.1.3 -j DROP
}

pki() {
	local d=$1/pki
	mkdir -p "$d"
	cd "$d"
	# P-256 keys: RSA handshakes are slow enough in the emulated guest
	# to eat a check's timeout.
	local ec="-newkey ec -pkeyopt ec_paramgen_curve:prime256v1"
	openssl req -x509 $ec -nodes -days 2 -subj "/CN=lvsctl lab CA" \
		-keyout ca.key -out ca.crt -addext basicConstraints=critical,CA:TRUE \
		-addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
	# issue NAME SAN: a CA-signed server certificate.
	issue() {
		openssl req $ec -nodes -subj "/CN=$1" -keyout "$1.key" -out "$1.csr" 2>/dev/null
		printf 'subjectAltName=%s\nextendedKeyUsage=serverAuth\n' "$2" >"$1.ext"
		openssl x509 -req -in "$1.csr" -CA ca.crt -CAkey ca.key -CAcreateserial \
			-days 2 -extfile "$1.ext" -out "$1.crt" 2>/dev/null
		cat "$1.crt" ca.crt >"$1.chain"
	}
	issue good IP:10.0.1.2,DNS:srv.example.test
	issue wrong DNS:wrong.example.test
	# Untrusted: self-signed, but naming the address correctly.
	openssl req -x509 $ec -nodes -days 2 -subj "/CN=10.0.1.2" \
		-addext subjectAltName=IP:10.0.1.2 -keyout self.key -out self.crt 2>/dev/null
	chmod 644 ./*.key
	cd - >/dev/null
}

setup_nginx() {
	local d=$W/nginx
	mkdir -p "$d/tmp" "$W/www" "$W/vhost"
	echo '<html><body>Test Page</body></html>' >"$W/www/index.html"
	echo 'Virtual Host Page' >"$W/vhost/index.html"
	cat >"$d/nginx.conf" <<EOF
user root;
daemon off;
worker_processes 1;
pid $d/nginx.pid;
error_log $W/nginx.log;
events { worker_connections 256; }
http {
	access_log off;
	default_type text/html;
	client_body_temp_path $d/tmp/body;
	proxy_temp_path $d/tmp/proxy;
	fastcgi_temp_path $d/tmp/fastcgi;
	uwsgi_temp_path $d/tmp/uwsgi;
	scgi_temp_path $d/tmp/scgi;
	server {
		listen 80 default_server;
		listen 443 ssl default_server;
		listen 8443 ssl default_server;
		server_name _;
		# 443: untrusted self-signed; 8443: CA-signed for the address.
		ssl_certificate $W/pki/self.crt;
		ssl_certificate_key $W/pki/self.key;
		root $W/www;
		location = /redirect { return 302 /index.html; }
		location = /error { return 500 "Test Page but broken\n"; }
		location = /host { return 200 "host=\$http_host\n"; }
	}
	server {
		listen 80;
		server_name vhost.example.test;
		root $W/vhost;
	}
	server {
		listen 10.0.1.2:8443 ssl;
		ssl_certificate $W/pki/good.chain;
		ssl_certificate_key $W/pki/good.key;
		root $W/www;
	}
	server {
		listen 10.0.1.4:8443 ssl;
		ssl_certificate $W/pki/wrong.chain;
		ssl_certificate_key $W/pki/wrong.key;
		root $W/www;
	}
}
EOF
	bg nginx nginx -e "$W/nginx.log" -p "$d" -c "$d/nginx.conf"
}

setup_dnsmasq() {
	bg dnsmasq dnsmasq --keep-in-foreground --conf-file=/dev/null --no-resolv --no-hosts \
		--listen-address=10.0.1.2 --bind-interfaces --port=53 --user=root \
		--pid-file="$W/dnsmasq.pidfile" --log-facility="$W/dnsmasq.log" \
		--host-record=www.example.test,10.9.9.9
}

setup_vsftpd() {
	mkdir -p "$W/ftp" "$W/ftp-empty"
	echo 'Welcome to the lab FTP server' >"$W/ftp/welcome.txt"
	cat >"$W/vsftpd.conf" <<EOF
listen=YES
listen_ipv6=NO
background=NO
anonymous_enable=YES
no_anon_password=YES
local_enable=NO
write_enable=NO
anon_root=$W/ftp
secure_chroot_dir=$W/ftp-empty
pasv_enable=YES
pasv_min_port=30000
pasv_max_port=30100
seccomp_sandbox=NO
xferlog_enable=NO
vsftpd_log_file=$W/vsftpd.xfer
EOF
	bg vsftpd vsftpd "$W/vsftpd.conf"
}

setup_postfix() {
	local d=$W/postfix
	mkdir -p "$d/spool/pid" "$d/spool/private" "$d/spool/public" "$d/data"
	# master binds the unix services as the postfix user: without these
	# owners it binds port 25, then dies on private/anvil a second later.
	chown postfix "$d/data" "$d/spool/private" "$d/spool/public"
	chgrp postdrop "$d/spool/public"
	cat >"$d/main.cf" <<EOF
compatibility_level = 3.6
myhostname = mail.example.test
mydomain = example.test
inet_interfaces = all
inet_protocols = ipv4
queue_directory = $d/spool
data_directory = $d/data
mail_owner = postfix
setgid_group = postdrop
mynetworks = 127.0.0.0/8 10.0.1.0/24
smtpd_banner = \$myhostname ESMTP lab
local_recipient_maps =
alias_maps =
alias_database =
# No syslog in the guest: postlogd writes the log (start-up errors too)
# to the master's stdout, postfix.log.
maillog_file = /dev/stdout
EOF
	# smtpd asks anvil (connection limits) and proxymap at start-up; a
	# missing one delays the greeting by its retries.
	cat >"$d/master.cf" <<EOF
smtp       inet n - n - - smtpd
submission inet n - n - - smtpd
anvil      unix - - n - 1 anvil
proxymap   unix - - n - - proxymap
postlog    unix-dgram n - n - 1 postlogd
EOF
	bg postfix /usr/lib/postfix/sbin/master -c "$d" -d
}

setup_dovecot() {
	local d=$W/dovecot
	mkdir -p "$d/run" "$d/state" "$d/home"
	chmod 777 "$d/home"
	echo 'lab:{PLAIN}labpw' >"$d/users"
	cat >"$d/dovecot.conf" <<EOF
base_dir = $d/run
state_dir = $d/state
log_path = $W/dovecot.log
protocols = pop3 imap
listen = *
ssl = yes
ssl_cert = <$W/pki/good.chain
ssl_key = <$W/pki/good.key
local 10.0.1.4 {
	ssl_cert = <$W/pki/wrong.chain
	ssl_key = <$W/pki/wrong.key
}
ssl_dh = </usr/share/dovecot/dh.pem
disable_plaintext_auth = no
auth_mechanisms = plain login
default_internal_user = dovecot
default_login_user = dovenull
passdb {
	driver = passwd-file
	args = scheme=PLAIN $d/users
}
userdb {
	driver = static
	args = uid=nobody gid=nogroup home=$d/home/%u
}
mail_location = maildir:~/Maildir
# One long-lived login process per protocol (not one per connection):
# each new one sets up TLS again, seconds in the emulated guest.
service pop3-login {
	service_count = 0
	process_min_avail = 1
	inet_listener pop3 {
		port = 110
	}
	inet_listener pop3s {
		port = 995
		ssl = yes
	}
}
service imap-login {
	service_count = 0
	process_min_avail = 1
	inet_listener imap {
		port = 143
	}
	inet_listener imaps {
		port = 993
		ssl = yes
	}
}
EOF
	bg dovecot dovecot -F -c "$d/dovecot.conf"
}

setup_postgres() {
	local d=$W/pg
	mkdir -p "$d"
	chown postgres "$d"
	cp -a "$prepared/pg/data" "$d/data"
	bg postgres runuser -u postgres -- /usr/lib/postgresql/15/bin/postgres -D "$d/data" \
		-c listen_addresses='*' -c unix_socket_directories="$d" -c port=5432 \
		-c shared_buffers=16MB -c max_connections=20 -c fsync=off
}

setup_mariadb() {
	local d=$W/my
	mkdir -p "$d"
	chown mysql "$d"
	cat >"$d/init.sql" <<EOF
CREATE USER IF NOT EXISTS 'lab'@'%' IDENTIFIED BY 'mypw';
GRANT SELECT ON *.* TO 'lab'@'%';
CREATE DATABASE IF NOT EXISTS labdb;
EOF
	chmod 644 "$d/init.sql"
	cp -a "$prepared/my/data" "$d/data"
	bg mariadb mariadbd --no-defaults --datadir="$d/data" --socket="$d/sock" --port=3306 \
		--bind-address=0.0.0.0 --user=mysql --pid-file="$d/pid" --skip-name-resolve \
		--init-file="$d/init.sql" --performance-schema=OFF --innodb-buffer-pool-size=16M --innodb-log-file-size=4M \
		--skip-log-bin --log-error="$W/mariadb.log"
}

setup_slapd() {
	local d=$W/ldap
	mkdir -p "$d/db"
	cat >"$d/slapd.conf" <<EOF
include /etc/ldap/schema/core.schema
pidfile $d/slapd.pid
argsfile $d/slapd.args
modulepath /usr/lib/ldap
moduleload back_mdb
TLSCertificateFile $W/pki/good.chain
TLSCertificateKeyFile $W/pki/good.key
database mdb
maxsize 10485760
suffix "dc=example,dc=test"
rootdn "cn=admin,dc=example,dc=test"
rootpw labsecret
directory $d/db
EOF
	cat >"$d/data.ldif" <<EOF
dn: dc=example,dc=test
objectClass: dcObject
objectClass: organization
o: Example
dc: example

dn: ou=people,dc=example,dc=test
objectClass: organizationalUnit
ou: people
EOF
	slapadd -f "$d/slapd.conf" -l "$d/data.ldif" >"$W/slapadd.log" 2>&1 || {
		log "slapadd failed:"
		cat "$W/slapadd.log" >&2
		exit 1
	}
	bg slapd slapd -d 0 -f "$d/slapd.conf" -h "ldap:/// ldaps:///"
}

setup_freeradius() {
	local d=$W/radius
	mkdir -p "$d"
	: >"$d/dictionary"
	echo 'lab Cleartext-Password := "radpw"' >"$d/users"
	cat >"$d/radiusd.conf" <<EOF
prefix = /usr
exec_prefix = /usr
sysconfdir = /etc
localstatedir = /var
sbindir = /usr/sbin
logdir = $d
raddbdir = $d
radacctdir = $d
name = freeradius
confdir = $d
modconfdir = $d
run_dir = $d
db_dir = $d
libdir = /usr/lib/freeradius
dictdir = /usr/share/freeradius
pidfile = $d/radiusd.pid
max_request_time = 30
cleanup_delay = 5
max_requests = 1024
hostname_lookups = no
log {
	destination = files
	file = $W/radius.log
}
security {
	allow_core_dumps = no
	max_attributes = 200
	reject_delay = 0
	status_server = no
	allow_vulnerable_openssl = yes
}
client lab {
	ipaddr = 10.0.1.0/24
	secret = labsecret
}
modules {
	pap {
	}
	files {
		filename = $d/users
	}
}
server default {
	listen {
		type = auth
		ipaddr = *
		port = 1812
	}
	authorize {
		files
		pap
	}
	authenticate {
		Auth-Type PAP {
			pap
		}
	}
}
EOF
	bg freeradius freeradius -f -l stdout -d "$d"
}

setup_kamailio() {
	local d=$W/kamailio
	mkdir -p "$d"
	# 5060 answers OPTIONS with 200 OK, 5062 with 404: a SIP server that
	# is there but not well.
	cat >"$d/kamailio.cfg" <<EOF
#!KAMAILIO
debug=2
log_stderror=yes
children=1
listen=udp:10.0.1.2:5060
listen=udp:10.0.1.2:5062
listen=tcp:10.0.1.2:5060
mpath="/usr/lib/x86_64-linux-gnu/kamailio/modules/"
loadmodule "sl.so"
request_route {
	if (dst_port==5062) {
		sl_send_reply("404", "Not Here");
		exit;
	}
	if (method=="OPTIONS") {
		sl_send_reply("200", "OK");
		exit;
	}
	sl_send_reply("501", "Not Implemented");
}
EOF
	bg kamailio kamailio -f "$d/kamailio.cfg" -DD -E -P "$d/kamailio.pid" -Y "$d"
}

setup_leafnode() {
	# leafnode is an inetd service: socat accepts and runs it on the
	# connection itself (nofork: leafnode asks its stdin for the peer).
	# It greets 200 only if its host name is a unique FQDN, else 503: its
	# own UTS namespace names it, and 1119 is the same server named
	# "nntp", an NNTP server that is there but refuses service.
	local opts=bind=10.0.1.2,fork,reuseaddr
	bg leafnode unshare --uts sh -c "hostname news.lvsctl-lab.net &&
		exec socat TCP-LISTEN:119,$opts EXEC:/usr/sbin/leafnode,nofork"
	bg leafnode-503 unshare --uts sh -c "hostname nntp &&
		exec socat TCP-LISTEN:1119,$opts EXEC:/usr/sbin/leafnode,nofork"
}

# prepare: remade when a server package changes, and daily (the
# certificates are valid for two days).
prepare() {
	local stamp
	W=$(realpath -m "$W")
	stamp="$(date +%F) $(dpkg-query -W postgresql-15 mariadb-server openssl | tr '\n' ' ')"
	if [[ -f "$W/stamp" && "$(cat "$W/stamp")" == "$stamp" ]]; then
		return 0
	fi
	rm -rf "$W"
	mkdir -p "$W/pg" "$W/my"
	pki "$W"
	chown postgres "$W/pg"
	echo pgpw >"$W/pg/pw"
	chown postgres "$W/pg/pw"
	runuser -u postgres -- /usr/lib/postgresql/15/bin/initdb -D "$W/pg/data" -U postgres \
		--pwfile="$W/pg/pw" -A scram-sha-256 --no-sync >"$W/initdb.log" 2>&1 || {
		log "initdb failed:"
		cat "$W/initdb.log" >&2
		exit 1
	}
	echo "host all all 10.0.1.0/24 scram-sha-256" >>"$W/pg/data/pg_hba.conf"
	chown mysql "$W/my"
	mariadb-install-db --no-defaults --datadir="$W/my/data" --user=mysql \
		--auth-root-authentication-method=normal --skip-test-db \
		--innodb-log-file-size=4M --innodb-buffer-pool-size=16M >"$W/mariadb-install.log" 2>&1 || {
		log "mariadb-install-db failed:"
		tail -n 30 "$W/mariadb-install.log" >&2
		exit 1
	}
	echo "$stamp" >"$W/stamp"
}

start() {
	rm -rf "$W"
	mkdir -p "$W"
	chmod 755 "$W"
	t0=$SECONDS
	net
	[[ -f "$prepared/stamp" ]] || {
		log "$prepared is missing: make e2e runs lab-servers.sh prepare"
		exit 1
	}
	cp -a "$prepared/pki" "$W/pki"
	# Every server at once: most of their start-up is waiting, so in
	# series they took minutes.
	local s
	for s in postgres mariadb nginx dnsmasq vsftpd postfix dovecot slapd freeradius kamailio leafnode; do
		# Own session each, so that stop can end a set-up still running.
		setsid bash "$0" setup "$W" "$s" >"$W/setup-$s.log" 2>&1 </dev/null &
		echo $! >"$W/setup-$s.spid"
	done
	wait_ready $((t0 + ${LAB_SERVERS_TIMEOUT:-600}))
	wait
	# A daemon can listen and still die right after (postfix did, on a
	# permission): check they all live on.
	sleep 2
	local f
	for f in "$W"/*.pid; do
		if ! kill -0 "$(cat "$f")" 2>/dev/null; then
			fail "$(basename "$f" .pid)" "died after starting"
		fi
	done
	log "all servers up in $((SECONDS - t0))s"
}

stop() {
	local f
	for f in "$W"/*.pid "$W"/*.spid; do
		[[ -f "$f" ]] || continue
		kill -TERM -- "-$(cat "$f")" 2>/dev/null || true
	done
}

case "$cmd" in
start) start ;;
prepare) prepare ;;
setup)
	# One server's set-up, run by start; its status goes to a file.
	set +e
	(set -e; "setup_${3:?server}")
	echo $? >"$W/setup-$3.rc"
	;;
stop) stop ;;
*) echo "usage: $0 start|stop WORK" >&2; exit 2 ;;
esac
