#!/usr/bin/env bash
# random-profile.sh SEED — prints a CCCD profile JSON nobody wrote by hand:
# a Vietnamese name, dates and places drawn from lists with the given seed,
# for tests that must not depend on the sample profile's particular values.
set -euo pipefail
RANDOM=${1:?seed}

pick() { local -n arr=$1; echo "${arr[$((RANDOM % ${#arr[@]}))]}"; }

surnames=(Nguyễn Trần Lê Phạm Hoàng Huỳnh Phan Vũ Võ Đặng Bùi Đỗ Hồ Ngô Dương Lý)
middles_m=("Văn" "Hữu" "Đức" "Minh" "Quang" "Công" "Thành")
middles_f=("Thị" "Ngọc" "Thu" "Thanh" "Kim" "Phương")
givens_m=(An Bảo Cường Dũng Giang Hải Hiếu Khánh Long Nam Phúc Quân Sơn Tuấn Việt)
givens_f=(Anh Bích Chi Diệp Hằng Hương Lan Linh Mai Ngân Oanh Quỳnh Thảo Trang Yến)
provinces=("Hà Nội" "TP. Hồ Chí Minh" "Đà Nẵng" "Hải Phòng" "Cần Thơ" "Thừa Thiên Huế" "Nghệ An" "Quảng Ninh" "Đắk Lắk" "Bà Rịa - Vũng Tàu")
codes=(001 079 048 031 092 046 040 022 066 077)
streets=("Lê Lợi" "Trần Hưng Đạo" "Nguyễn Huệ" "Hai Bà Trưng" "Điện Biên Phủ" "Lý Thường Kiệt")
ethnic=(Kinh Tày Thái Mường Khmer Hoa Nùng)
religions=(Không "Phật giáo" "Công giáo" "Cao Đài")

sex=$((RANDOM % 2))
if [ $sex -eq 0 ]; then sex_vn=Nam; sex_mrz=M; mid=$(pick middles_m); given=$(pick givens_m)
else sex_vn="Nữ"; sex_mrz=F; mid=$(pick middles_f); given=$(pick givens_f); fi
sur=$(pick surnames)
i=$((RANDOM % ${#provinces[@]}))
province=${provinces[$i]}
code=${codes[$i]}
year=$((1970 + RANDOM % 36))
month=$((1 + RANDOM % 12))
day=$((1 + RANDOM % 28))
# Issued in 2021-2024 (every holder is then at least 15).
iy=$((2021 + RANDOM % 4)); im=$((1 + RANDOM % 12)); idd=$((1 + RANDOM % 28))
# Century/sex digit of the ID: 0/1 for 1900s male/female, 2/3 for 2000s.
cs=$(( (year >= 2000 ? 2 : 0) + sex ))
serial=$(printf '%06d' $((RANDOM * 32768 % 1000000 + RANDOM % 1000)))
id="${code}${cs}$(printf '%02d' $((year % 100)))${serial:0:6}"
dob=$(printf '%02d/%02d/%04d' $day $month $year)
# Expiry by the law's age milestones, from the issue date: the birthday at the
# first milestone after issue, or the next one when issued within the 2 years
# before it (births from 1970 and issue by 2024 always leave a milestone).
issued=$(printf '%04d%02d%02d' $iy $im $idd)
doe=""
for m in 14 25 40 60; do
  bday=$(printf '%04d%02d%02d' $((year + m)) $month $day)
  window=$(printf '%04d%02d%02d' $((year + m - 2)) $month $day)
  if [ "$issued" -lt "$bday" ] && [ "$issued" -lt "$window" ]; then
    doe=$(printf '%02d/%02d/%04d' $day $month $((year + m)))
    break
  fi
done
doi=$(printf '%02d/%02d/%04d' $idd $im $iy)
father="$sur $(pick middles_m) $(pick givens_m)"
mother="$(pick surnames) $(pick middles_f) $(pick givens_f)"
house=$((1 + RANDOM % 300))

jq -n --arg id "$id" --arg name "$sur $mid $given" --arg dob "$dob" --arg sex "$sex_vn" \
  --arg eth "$(pick ethnic)" --arg rel "$(pick religions)" \
  --arg origin "Xã Tân Lập, $province" --arg res "Số $house đường $(pick streets), $province" \
  --arg doi "$doi" --arg doe "$doe" --arg father "$father" --arg mother "$mother" --arg sexm "$sex_mrz" '
{
  type: "cccd",
  mrz: { sex: $sexm, nationality: "VNM", issuing_state: "VNM" },
  cccd: {
    id_number: $id, old_id_number: "", full_name: $name, date_of_birth: $dob, sex: $sex,
    nationality: "Việt Nam", ethnicity: $eth, religion: $rel,
    place_of_origin: $origin, place_of_residence: $res,
    identification_features: "Sẹo chấm cách 2cm dưới trán phải",
    date_of_issue: $doi, date_of_expiry: $doe, father_name: $father, mother_name: $mother,
    spouse_name: ""
  }
}'
