for f in 1 4294967295 0 -1 0x10 4294967296 010 abc ''; do
	run ipvsadm -A -f "$f"
done
run ipvsadm -Ln
run ipvsadm -Sn
run ipvsadm -L -n -f 4294967295
