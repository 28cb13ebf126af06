# -R reads words of at most 4096 bytes: a longer word is cut into pieces of
# 4096 that count as words of their own (so an error quotes at most 4096
# bytes of it, even from a 10 MB line), a piece that is exactly "ipvsadm"
# is dropped like the word, and a NUL byte ends the word it is in.
x5000=$(head -c 5000 /dev/zero | tr '\0' x)
y4096=$(head -c 4096 /dev/zero | tr '\0' y)
port=$(head -c 4084 /dev/zero | tr '\0' 0)
printf -- '-L %s\n' "$x5000" >"$TMPDIR/long1"
run ipvsadm -R <"$TMPDIR/long1"
printf -- '%s -L\n' "$x5000" >"$TMPDIR/long2"
run ipvsadm -R <"$TMPDIR/long2"
printf -- '-L -n %s -n\n' "$y4096" >"$TMPDIR/long3"
run ipvsadm -R <"$TMPDIR/long3"
printf -- '-A -t 192.0.2.9:%s80ipvsadm\n-A -t 192.0.2.10:%s80-n\n' "$port" "$port" >"$TMPDIR/long4"
run ipvsadm -R <"$TMPDIR/long4"
run ipvsadm -Sn
{ printf -- '-L '; head -c 10000000 /dev/zero | tr '\0' q; printf '\n-A -t 192.0.2.11:80\n'; } >"$TMPDIR/big1"
run ipvsadm -R <"$TMPDIR/big1"
{ head -c 10000000 /dev/zero | tr '\0' q; printf '\n'; } >"$TMPDIR/big2"
run ipvsadm -R <"$TMPDIR/big2"
{ printf -- '-A -t 192.0.2.12:80 -s '; head -c 10000000 /dev/zero | tr '\0' r; printf '\n'; } >"$TMPDIR/big3"
run ipvsadm -R <"$TMPDIR/big3"
printf -- '-A -t 192.0.2.13:80\0junk -s rr\n-A\0 -t 192.0.2.14:80\n-L\0-n -n\n' >"$TMPDIR/nul"
run ipvsadm -R <"$TMPDIR/nul"
printf -- '\0\n-A -t 192.0.2.15:80\n' >"$TMPDIR/nul2"
run ipvsadm -R <"$TMPDIR/nul2"
run ipvsadm -Sn
rm -f "$TMPDIR"/long* "$TMPDIR"/big* "$TMPDIR"/nul*
