"""Delivery address parsing: regions of every kind, name and phone in any order, and every refusal."""

import pytest

from kefu.commerce.address import Address, AddressError, parse_address


def region(a: Address) -> tuple[str, str, str, str]:
    return a.province, a.city, a.district, a.detail


@pytest.mark.parametrize("text,expected", [
    # Full, and without the 省/市/区 suffixes.
    ("浙江省杭州市西湖区文三路90号", ("浙江省", "杭州市", "西湖区", "文三路90号")),
    ("浙江杭州西湖区文三路90号", ("浙江省", "杭州市", "西湖区", "文三路90号")),
    ("杭州西湖文三路90号", ("浙江省", "杭州市", "西湖区", "文三路90号")),
    # Only city and district: the province is inferred.
    ("杭州市西湖区文三路90号", ("浙江省", "杭州市", "西湖区", "文三路90号")),
    # Municipalities: the city repeats the province, however the customer wrote it.
    ("北京朝阳区建国路1号", ("北京市", "北京市", "朝阳区", "建国路1号")),
    ("上海 上海市 浦东新区 世纪大道100号", ("上海市", "上海市", "浦东新区", "世纪大道100号")),
    ("北京市市辖区朝阳区建国路1号", ("北京市", "北京市", "朝阳区", "建国路1号")),
    ("天津市和平区南京路1号", ("天津市", "天津市", "和平区", "南京路1号")),
    ("重庆江北区观音桥步行街1号", ("重庆市", "重庆市", "江北区", "观音桥步行街1号")),  # a historical name
    # Autonomous regions and prefectures, with and without their long names.
    ("广西南宁市青秀区民族大道1号", ("广西壮族自治区", "南宁市", "青秀区", "民族大道1号")),
    ("广西省南宁市青秀区民族大道1号", ("广西壮族自治区", "南宁市", "青秀区", "民族大道1号")),
    ("内蒙古呼和浩特市新城区新华大街1号", ("内蒙古自治区", "呼和浩特市", "新城区", "新华大街1号")),
    ("新疆乌鲁木齐市天山区解放北路1号", ("新疆维吾尔自治区", "乌鲁木齐市", "天山区", "解放北路1号")),
    ("延边州延吉市人民路1号", ("吉林省", "延边朝鲜族自治州", "延吉市", "人民路1号")),
    ("重庆石柱县南宾街道1号", ("重庆市", "重庆市", "石柱土家族自治县", "南宾街道1号")),
    # County-level cities: under a prefecture, or straight under the province.
    ("义乌市稠城街道工人北路1号", ("浙江省", "金华市", "义乌市", "稠城街道工人北路1号")),
    ("浙江省义乌市稠城街道1号", ("浙江省", "金华市", "义乌市", "稠城街道1号")),
    ("湖北省仙桃市干河街道1号", ("湖北省", "仙桃市", "", "干河街道1号")),
    ("新疆石河子市北一路1号", ("新疆维吾尔自治区", "石河子市", "", "北一路1号")),
    # Cities without districts: the town stands in for one, and may be left out.
    ("广东省东莞市长安镇长安路1号", ("广东省", "东莞市", "长安镇", "长安路1号")),
    ("广东中山市中山路1号", ("广东省", "中山市", "", "中山路1号")),
    # A development zone people write as the district.
    ("成都高新区天府大道北段1号", ("四川省", "成都市", "高新区", "天府大道北段1号")),
    # A street named after a district is not the district.
    ("上海长宁区长宁路1号", ("上海市", "上海市", "长宁区", "长宁路1号")),
    # Street first, region last (English order), and a trailing region echo is not part of the street.
    ("文三路90号，西湖区，杭州市，浙江省", ("浙江省", "杭州市", "西湖区", "文三路90号")),
    # A district shared by several cities, settled by the city named elsewhere or by the province.
    ("鼓楼区中山路1号 南京", ("江苏省", "南京市", "鼓楼区", "中山路1号")),
    ("福建鼓楼区五一路1号", ("福建省", "福州市", "鼓楼区", "五一路1号")),
    # Full-width characters, traditional characters, a chatty prefix, a postcode, thanks.
    ("浙江省杭州市西湖区文三路９０号３幢", ("浙江省", "杭州市", "西湖区", "文三路90号3幢")),
    ("廣東省廣州市天河區天河路1號", ("广东省", "广州市", "天河区", "天河路1号")),
    ("我的新地址是浙江省杭州市西湖区文三路90号", ("浙江省", "杭州市", "西湖区", "文三路90号")),
    ("中国浙江省杭州市西湖区文三路90号 邮编310012 谢谢", ("浙江省", "杭州市", "西湖区", "文三路90号")),
])
def test_regions(text, expected):
    assert region(parse_address(text)) == expected


@pytest.mark.parametrize("text,name,phone", [
    ("张三 13800138000 浙江省杭州市西湖区文三路90号", "张三", "13800138000"),
    ("浙江省杭州市西湖区文三路90号 张三 13800138000", "张三", "13800138000"),
    ("13800138000，张三，浙江省杭州市西湖区文三路90号", "张三", "13800138000"),
    ("浙江省杭州市西湖区文三路90号\n13800138000\n张三", "张三", "13800138000"),
    ("张三浙江省杭州市西湖区文三路90号", "张三", ""),
    ("浙江省杭州市西湖区文三路90号，张三收", "张三", ""),
    ("浙江省杭州市西湖区文三路90号 阿不都·热合曼 138-0013-8000", "阿不都·热合曼", "13800138000"),
    ("张三，+86 13800138000，浙江省杭州市西湖区文三路90号", "张三", "13800138000"),
    ("浙江省杭州市西湖区文三路90号 张三 0086-138 0013 8000", "张三", "13800138000"),
    ("浙江省杭州市西湖区文三路９０号　李先生　１３８００１３８０００", "李先生", "13800138000"),
    ("收货人：张三\n手机号码：138-0013-8000\n所在地区：浙江省 杭州市 西湖区\n详细地址：文三路90号",
     "张三", "13800138000"),
    ("地址：浙江省杭州市西湖区文三路90号 收件人:Li Lei 电话：13800138000", "Li Lei", "13800138000"),
])
def test_name_and_phone_in_any_order(text, name, phone):
    a = parse_address(text)
    assert (a.name, a.phone) == (name, phone)
    assert region(a) == ("浙江省", "杭州市", "西湖区", "文三路90号")


def test_a_building_after_the_street_stays_in_the_detail():
    a = parse_address("浙江省杭州市西湖区文三路90号 华星时代")
    assert (a.detail, a.name) == ("文三路90号 华星时代", "")


def test_one_line_and_as_dict():
    a = parse_address("北京市朝阳区建国路1号 张三 13800138000")
    assert a.one_line() == "北京市朝阳区建国路1号 张三 13800138000"  # the municipality is written once
    assert parse_address("浙江省杭州市西湖区文三路90号").one_line() == "浙江省杭州市西湖区文三路90号"
    assert a.as_dict() == {"province": "北京市", "city": "北京市", "district": "朝阳区", "detail": "建国路1号",
                           "name": "张三", "phone": "13800138000"}


@pytest.mark.parametrize("text,code", [
    ("", "empty"),
    ("   \n ", "empty"),
    ("!!!", "garbled"),
    ("asdfgh!!!", "garbled"),
    ("火星基地1号", "no_region"),
    ("张三 13800138000", "no_region"),
    ("Room 5, 90 Wensan Rd, Xihu District, Hangzhou, Zhejiang", "no_region"),  # English: not parsed
    ("浙江省杭州市西湖区", "no_detail"),
    ("浙江省杭州市西湖区！！", "no_detail"),
    ("成都市高新区", "no_detail"),
    ("浙江省文三路90号", "no_city"),
    ("杭州市文三路90号", "no_district"),
    ("鼓楼区中山路1号", "ambiguous"),
    ("江苏鼓楼区中山路1号", "ambiguous"),  # 南京 and 徐州 both have one
    ("朝阳区建国路1号", "ambiguous"),
    ("浙江省杭州市西湖区文三路90号 12345678901", "bad_phone"),  # no mobile starts with 12
    ("浙江省杭州市西湖区文三路90号 电话：1380013800", "bad_phone"),  # ten digits
    ("浙江省杭州市西湖区文三路90号 张三 138001380000", "bad_phone"),  # twelve digits
    ("浙江省杭州市西湖区文三路90号 0571-88886666", "bad_phone"),  # a landline, not a mobile
    ("浙江省杭州市西湖区文三路" + "9" * 600, "too_long"),
])
def test_refusals(text, code):
    with pytest.raises(AddressError) as e:
        parse_address(text)
    assert e.value.code == code
    assert e.value.message and e.value.message_en and str(e.value) == e.value.message


def test_refusal_messages_say_what_to_add():
    with pytest.raises(AddressError) as e:
        parse_address("西湖区文三路90号")
    assert "浙江省杭州市西湖区" in e.value.message and "江西省南昌市西湖区" in e.value.message
    assert "please add the city" in e.value.message_en
    with pytest.raises(AddressError) as e:
        parse_address("浙江省杭州市西湖区")
    assert "浙江省杭州市西湖区" in e.value.message and "street" in e.value.message_en
    assert isinstance(e.value, ValueError)


def test_a_house_number_is_not_a_phone():
    a = parse_address("浙江省杭州市西湖区文三路9000001号 3幢2单元501室")
    assert (a.detail, a.phone) == ("文三路9000001号 3幢2单元501室", "")
