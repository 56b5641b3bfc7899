echo "full job: $GREETING $*"
