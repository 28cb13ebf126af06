#!/bin/bash
# Real servers for the health-check e2e tests (e2e/checks_test.go), run
# inside the lab VM only. There is no systemd in the guest and / is the
# host's read-only root, so every daemon is started by hand, in the
# foreground, with its configuration and state in WORK.
#
#   lab-servers.sh start WORK   network namespace "srv" + every server
#   lab-servers.sh stop WORK    kill them (the namespace goes with resetKernel)
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

# bg NAME CMD...: start CMD in the srv namespace, in the background.
bg() {
	local name=$1
	shift
	setsid $NS "$@" >"$W/$name.log" 2>&1 </dev/null &
	echo $! >"$W/$name.pid"
}

# wait_port NAME PROTO PORT: wait until something listens on PORT in srv.
wait_port() {
	local name=$1 proto=$2 port=$3 i
	for ((i = 0; i < 600; i++)); do
		if $NS ss -lnH -"${proto:0:1}" "sport = :$port" | grep -q .; then
			return 0
		fi
		if [[ -f "$W/$name.pid" ]] && ! kill -0 "$(cat "$W/$name.pid")" 2>/dev/null; then
			break
		fi
		sleep 0.2
	done
	log "$name did not listen on $proto/$port; its log:"
	tail -n 30 "$W/$name.log" >&2 || true
	exit 1
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
	local d=$W/pki
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

web() {
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
	wait_port nginx tcp 80
	wait_port nginx tcp 8443
}

dns() {
	bg dnsmasq dnsmasq --keep-in-foreground --conf-file=/dev/null --no-resolv --no-hosts \
		--listen-address=10.0.1.2 --bind-interfaces --port=53 --user=root \
		--pid-file="$W/dnsmasq.pidfile" --log-facility="$W/dnsmasq.log" \
		--host-record=www.example.test,10.9.9.9
	wait_port dnsmasq udp 53
	wait_port dnsmasq tcp 53
}

ftp() {
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
	wait_port vsftpd tcp 21
}

smtp() {
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
EOF
	# smtpd asks anvil (connection limits) and proxymap at start-up; a
	# missing one delays the greeting by its retries.
	cat >"$d/master.cf" <<EOF
smtp       inet n - n - - smtpd
submission inet n - n - - smtpd
anvil      unix - - n - 1 anvil
proxymap   unix - - n - - proxymap
EOF
	bg postfix /usr/lib/postfix/sbin/master -c "$d" -d
	wait_port postfix tcp 25
	wait_port postfix tcp 587
}

mail() {
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
service pop3-login {
	inet_listener pop3 {
		port = 110
	}
	inet_listener pop3s {
		port = 995
		ssl = yes
	}
}
service imap-login {
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
	wait_port dovecot tcp 110
	wait_port dovecot tcp 993
}

pgsql() {
	local d=$W/pg
	mkdir -p "$d"
	chown postgres "$d"
	echo pgpw >"$d/pw"
	chown postgres "$d/pw"
	$NS runuser -u postgres -- /usr/lib/postgresql/15/bin/initdb -D "$d/data" -U postgres \
		--pwfile="$d/pw" -A scram-sha-256 >"$W/initdb.log" 2>&1 || {
		log "initdb failed:"
		cat "$W/initdb.log" >&2
		exit 1
	}
	echo "host all all 10.0.1.0/24 scram-sha-256" >>"$d/data/pg_hba.conf"
	bg postgres runuser -u postgres -- /usr/lib/postgresql/15/bin/postgres -D "$d/data" \
		-c listen_addresses='*' -c unix_socket_directories="$d" -c port=5432 \
		-c shared_buffers=16MB -c max_connections=20 -c fsync=off
	wait_port postgres tcp 5432
}

mysql() {
	local d=$W/my
	mkdir -p "$d"
	chown mysql "$d"
	cat >"$d/init.sql" <<EOF
CREATE USER IF NOT EXISTS 'lab'@'%' IDENTIFIED BY 'mypw';
GRANT SELECT ON *.* TO 'lab'@'%';
CREATE DATABASE IF NOT EXISTS labdb;
EOF
	chmod 644 "$d/init.sql"
	$NS mariadb-install-db --no-defaults --datadir="$d/data" --user=mysql \
		--auth-root-authentication-method=normal --skip-test-db >"$W/mariadb-install.log" 2>&1 || {
		log "mariadb-install-db failed:"
		tail -n 30 "$W/mariadb-install.log" >&2
		exit 1
	}
	bg mariadb mariadbd --no-defaults --datadir="$d/data" --socket="$d/sock" --port=3306 \
		--bind-address=0.0.0.0 --user=mysql --pid-file="$d/pid" --skip-name-resolve \
		--init-file="$d/init.sql" --performance-schema=OFF --innodb-buffer-pool-size=16M \
		--skip-log-bin --log-error="$W/mariadb.log"
	wait_port mariadb tcp 3306
}

ldap() {
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
	wait_port slapd tcp 389
	wait_port slapd tcp 636
}

radius() {
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
	wait_port freeradius udp 1812
}

sip() {
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
	wait_port kamailio udp 5060
}

start() {
	rm -rf "$W"
	mkdir -p "$W"
	chmod 755 "$W"
	net
	pki
	web
	dns
	ftp
	smtp
	mail
	ldap
	radius
	sip
	pgsql
	mysql
	# A daemon can listen and still die right after (postfix did, on a
	# permission): check they all live on.
	sleep 2
	local f
	for f in "$W"/*.pid; do
		if ! kill -0 "$(cat "$f")" 2>/dev/null; then
			log "$(basename "$f" .pid) died after starting; its log:"
			tail -n 30 "${f%.pid}.log" >&2 || true
			exit 1
		fi
	done
	log "all servers up"
}

stop() {
	local f
	for f in "$W"/*.pid; do
		[[ -f "$f" ]] || continue
		kill -TERM -- "-$(cat "$f")" 2>/dev/null || true
	done
}

case "$cmd" in
start) start ;;
stop) stop ;;
*) echo "usage: $0 start|stop WORK" >&2; exit 2 ;;
esac
