/* kefu admin console: shared helpers for every console page and the agent workspace.
 *
 * - i18n: zh / en, following navigator.language until the user picks one with the 中/EN toggle (remembered).
 * - api(): fetch JSON from /api/v1, turning {"error": {...}} bodies into ApiError; a 401 sends the user to the
 *   login page with ?next= pointing back here.
 * - boot(): checks the login, draws the top navigation and returns /auth/me.
 * - el(): builds DOM nodes. User and customer text is only ever set with textContent, never as markup.
 */
(function () {
  "use strict";

  var LANG_KEY = "kefu:admin:lang";

  var STRINGS = {
    zh: {
      "brand": "kefu 客服",
      "nav.settings": "设置",
      "nav.knowledge": "知识库",
      "nav.conversations": "会话",
      "nav.workspace": "工作台",
      "nav.logout": "退出登录",
      "nav.sections": "后台栏目",
      "role.owner": "店主",
      "role.admin": "管理员",
      "role.agent": "客服",
      "lang.switch": "切换语言 / Switch language",
      "common.loading": "加载中…",
      "common.cancel": "取消",
      "common.save": "保存",
      "common.saving": "保存中…",
      "common.delete": "删除",
      "common.edit": "编辑",
      "common.close": "关闭",
      "common.confirm": "确定",
      "common.copy": "复制",
      "common.copied": "已复制",
      "common.copyFailed": "无法自动复制，请手动选中文字复制。",
      "common.prev": "上一页",
      "common.next": "下一页",
      "common.range": "第 {from}–{to} 条，共 {total} 条",
      "common.none": "无",
      "common.never": "从未",
      "err.network": "无法连接服务器，请检查网络后重试。",
      "err.generic": "出错了（HTTP {status}）",
      "err.code.bad_credentials": "邮箱或密码错误",
      "err.code.too_many_logins": "登录失败次数过多，请稍后再试",
      "err.code.duplicate_question": "已经有相同标准问题的知识点",
      "err.code.forbidden": "没有权限：只有店主和管理员可以这样做",
      "err.code.invalid_request": "填写的内容不符合要求",
      "err.code.not_found": "找不到这条记录",
      "err.code.conversation_closed": "会话已结束，不能再回复",
      "err.code.rate_limited": "操作太频繁，请稍后再试",
      "err.code.request_too_large": "内容太长",
      "err.code.session_expired": "登录已过期，请重新登录",

      "title.login": "登录 · kefu 管理后台",
      "title.settings": "设置 · kefu 管理后台",
      "title.knowledge": "知识库 · kefu 管理后台",
      "title.conversations": "会话 · kefu 管理后台",
      "title.workspace": "客服工作台 · kefu",

      "login.title": "登录管理后台",
      "login.sub": "店主、管理员和客服都从这里登录。",
      "login.email": "邮箱",
      "login.password": "密码",
      "login.submit": "登录",
      "login.submitting": "登录中…",
      "login.required": "请输入邮箱和密码。",
      "login.foot": "kefu · 开源智能客服",

      "kb.title": "知识库",
      "kb.sub": "机器人用这些问答回答顾客；新增或修改后，从下一个问题起立即生效。",
      "kb.search": "搜索问题、相似问法、答案、分类或标签",
      "kb.add": "新增知识点",
      "kb.readonly": "你是客服账号，可以查看知识库；只有店主和管理员可以修改。",
      "kb.col.category": "分类",
      "kb.col.question": "标准问题",
      "kb.col.answer": "答案",
      "kb.col.status": "状态",
      "kb.col.updated": "更新时间",
      "kb.col.actions": "操作",
      "kb.similar": "相似问法（{n}）：",
      "kb.enabled": "启用",
      "kb.disabled": "停用",
      "kb.uncategorized": "未分类",
      "kb.empty": "还没有知识点。点击“新增知识点”添加第一条。",
      "kb.emptyAgent": "还没有知识点。",
      "kb.noMatch": "没有找到匹配“{q}”的知识点。",
      "kb.count": "共 {n} 条",
      "kb.dialog.add": "新增知识点",
      "kb.dialog.edit": "编辑知识点",
      "kb.f.category": "分类",
      "kb.f.categoryHint": "可选，用 / 分层，例如：物流、售后/退货。",
      "kb.f.question": "标准问题",
      "kb.f.questionHint": "顾客最常见的问法，在知识库中不能重复。",
      "kb.f.similar": "相似问法",
      "kb.f.similarHint": "每行一个，帮助机器人认出同一个问题的其他说法。",
      "kb.f.answer": "答案",
      "kb.f.enabled": "启用（机器人会用这条知识回答）",
      "kb.required": "请填写标准问题和答案。",
      "kb.created": "已添加知识点",
      "kb.updated": "已保存修改",
      "kb.deleted": "已删除知识点",
      "kb.delete.title": "删除知识点？",
      "kb.delete.body": "将删除“{q}”，机器人不会再用它回答。此操作无法撤销。",
      "kb.export": "导出",
      "kb.export.csv": "CSV（Excel 可打开）",
      "kb.export.xlsx": "Excel（.xlsx）",
      "kb.export.json": "JSON",
      "kb.import": "导入",
      "kb.filter.category": "按分类筛选",
      "kb.filter.allCategories": "全部分类",
      "kb.filter.uncategorized": "（{n} 条未分类）",
      "kb.filter.clearTag": "取消标签筛选",
      "kb.filter.tag": "标签：{tag}",
      "kb.noMatchFilter": "当前筛选条件下没有知识点。",
      "kb.notYet": "未到生效时间",
      "kb.expired": "已过期",
      "kb.validFrom": "{t} 起生效",
      "kb.validTo": "{t} 失效",
      "kb.hasImage": "含图片",
      "kb.hasLink": "含链接",
      "kb.hasButtons": "{n} 个按钮",
      "kb.f.tags": "标签",
      "kb.f.tagsHint": "可选，用逗号分隔，最多 20 个。",
      "kb.f.validFrom": "生效时间",
      "kb.f.validTo": "失效时间",
      "kb.f.validHint": "可选：只在这段时间内用这条知识回答（按你电脑的时区）。留空表示不限。",
      "kb.f.image": "图片链接",
      "kb.f.link": "详情链接",
      "kb.f.buttons": "按钮",
      "kb.f.buttonsHint": "可选，最多 5 个：“回复”按钮替顾客发出一句话，“链接”按钮打开一个网址。",
      "kb.f.buttonAdd": "添加按钮",
      "kb.f.buttonLabel": "按钮文字",
      "kb.f.buttonValue": "发送的文字",
      "kb.f.buttonUrl": "https://",
      "kb.f.buttonKind": "按钮类型",
      "kb.f.buttonKind.value": "回复",
      "kb.f.buttonKind.url": "链接",
      "kb.f.buttonRemove": "删除按钮",
      "kb.f.badWindow": "失效时间必须晚于生效时间。",
      "kb.f.badUrl": "链接必须以 http:// 或 https:// 开头。",
      "kb.f.badButton": "每个按钮都要填写文字和内容。",
      "kb.import.title": "导入知识点",
      "kb.import.hint": "支持 CSV、Excel（.xlsx）和 JSON。第一行是表头：category（分类）、question（标准问题）、similar_questions（相似问法，用 || 分隔或在单元格内每行一个）、answer（答案）；可选 tags、enabled、valid_from、valid_to。\n文件中有错误行时不会导入任何内容，除非勾选“跳过错误行”。",
      "kb.import.file": "文件",
      "kb.import.mode": "遇到已有的标准问题时",
      "kb.import.mode.upsert": "更新已有的知识点",
      "kb.import.mode.create": "报错，不导入这一行",
      "kb.import.skip": "跳过错误行，导入其余的行",
      "kb.import.start": "开始导入",
      "kb.import.again": "重新导入",
      "kb.import.noFile": "请先选择要导入的文件。",
      "kb.import.tooBig": "文件太大：最大 20 MB。",
      "kb.import.uploading": "正在上传…",
      "kb.import.queued": "排队中…",
      "kb.import.running": "正在导入：{done} / {total}",
      "kb.import.parsing": "正在检查文件…",
      "kb.import.done": "导入完成：新增 {created} 条，更新 {updated} 条，跳过 {skipped} 条。",
      "kb.import.failed": "没有导入任何知识点：发现 {n} 处错误。请修正后重新导入，或勾选“跳过错误行”。",
      "kb.import.failedFile": "没有导入任何知识点：文件无法导入。",
      "kb.import.errors": "错误（{n}）",
      "kb.import.warnings": "提醒（{n}）：这些行可以导入，但请检查",
      "kb.import.col.row": "行号",
      "kb.import.col.field": "字段",
      "kb.import.col.problem": "问题",
      "kb.import.wholeFile": "整个文件",
      "kb.import.toast": "已导入 {n} 条知识点",
      "kb.field.category": "分类",
      "kb.field.question": "标准问题",
      "kb.field.similar_questions": "相似问法",
      "kb.field.answer": "答案",
      "kb.field.tags": "标签",
      "kb.field.enabled": "启用",
      "kb.field.valid_from": "生效时间",
      "kb.field.valid_to": "失效时间",
      "kb.field.image_url": "图片链接",
      "kb.field.link_url": "详情链接",
      "kb.field.buttons": "按钮",
      "kb.field.header": "表头",
      "kb.field.file": "文件",
      "kb.code.missing": "缺少必填内容",
      "kb.code.too_long": "内容过长",
      "kb.code.duplicate_in_file": "文件中标准问题重复",
      "kb.code.duplicate_existing": "知识库中已有这个标准问题",
      "kb.code.invalid": "格式不正确",
      "kb.code.columns": "表头不正确",
      "kb.code.empty": "文件是空的",
      "kb.code.encoding": "无法识别文件编码",
      "kb.code.format": "文件格式不正确",
      "kb.code.too_many_rows": "行数过多",
      "kb.code.similar_elsewhere": "相似问法与其他知识点重复",
      "kb.code.unknown_column": "无法识别的列（已忽略）",
      "kb.code.internal": "导入中断",
      "kb.code.interrupted": "服务器在导入过程中停止，未导入任何内容，请重新上传文件",
      "err.code.file_too_large": "文件太大",
      "err.code.unsupported_format": "不支持这种文件格式",
      "err.code.duplicate_term": "词典里已经有这个词",
      "err.code.invalid_thresholds": "“给出选项的置信度”不能高于“直接回答的置信度”",

      "dict.title": "词典",
      "dict.sub": "在这里添加店铺的专用词语，教机器人认识你们的说法；同义词会被当作同一个词（快递 = 物流 = 包裹）。",
      "dict.word": "词语",
      "dict.wordPh": "例如：快递",
      "dict.synonyms": "同义词",
      "dict.synonymsPh": "例如：物流、包裹",
      "dict.synonymsHint": "多个同义词用逗号、顿号（、）或空格隔开；每个词中间不能有空格。",
      "dict.add": "添加",
      "dict.col.word": "词语",
      "dict.col.synonyms": "同义词",
      "dict.noSynonyms": "（无同义词）",
      "dict.empty": "词典还是空的。添加第一个词，例如“快递”，同义词“物流、包裹”。",
      "dict.emptyAgent": "词典还是空的。",
      "dict.wordRequired": "请填写词语。",
      "dict.wordSpace": "词语中间不能有空格；同义词请填在右边。",
      "dict.created": "已添加到词典",
      "dict.updated": "已更新词典",
      "dict.deleted": "已从词典删除",
      "dict.delete.title": "从词典删除这个词？",
      "dict.delete.body": "将删除“{w}”和它的同义词；机器人从下一个问题起不再把它们当作同一个词。",

      "set.title": "设置",
      "set.sub": "店铺与机器人、店铺信息、转人工规则、服务时间、订单系统、聊天窗口接入和 API 密钥。",
      "set.readonly": "你是客服账号，可以查看设置；只有店主和管理员可以修改。",
      "set.shop.title": "店铺与机器人",
      "set.shop.sub": "顾客在聊天窗口里看到的名称和开场白。",
      "set.name": "店铺名称",
      "set.botName": "机器人名称",
      "set.locale": "默认语言",
      "set.localeHint": "无法判断顾客语言时使用。",
      "set.timezone": "店铺时区",
      "set.timezoneHint": "报表按这个时区划分日期和小时（IANA 名称，如 Asia/Shanghai）；修改后报表会重新计算。",
      "set.locale.zh": "中文",
      "set.locale.en": "English（英文）",
      "set.greetingZh": "中文欢迎语",
      "set.greetingEn": "英文欢迎语",
      "set.disclosure": "机器人总是先表明自己是机器人：这句身份说明是固定的，不能关闭；你的欢迎语跟在它后面。",
      "set.preview": "顾客会先看到（中文）：",
      "set.previewDisclosure": "您好，我是{shop}的智能客服机器人「{bot}」（不是真人）。",
      "set.save": "保存设置",
      "set.saved": "已保存",
      "set.answerThreshold": "直接回答的置信度",
      "set.clarifyThreshold": "给出选项的置信度",
      "set.thresholdHint": "0–1，留空使用默认值。直接回答的置信度越高，答错越少，但会更常给出“您是不是想问”的选项；给出选项的置信度不能高于直接回答的置信度。",
      "set.thresholdRange": "置信度必须是 0 到 1 之间的数。",
      "set.widget.title": "聊天窗口代码",
      "set.widget.sub": "把这段代码粘贴到店铺每个页面的 </body> 之前，页面右下角就会出现聊天按钮。",
      "set.widget.key": "公开密钥（可以公开）：",
      "set.widget.demo": "在演示店铺中预览",
      "set.identity.title": "顾客身份密钥",
      "set.identity.sub": "用于已登录的顾客：店铺服务器用这个密钥以 HS256 签名一个 JWT，内容为 {sub: 顾客 ID, name: 名称, exp: 过期时间}，放在聊天代码的 data-customer-token 属性里。kefu 验证签名后，就知道是哪位顾客。请只保存在服务器上，不要放进网页。",
      "set.identity.reveal": "显示",
      "set.identity.hide": "隐藏",
      "set.identity.rotate": "更换密钥",
      "set.identity.rotated": "已更换身份密钥",
      "set.identity.confirmTitle": "更换身份密钥？",
      "set.identity.confirmBody": "旧密钥签名的顾客身份将立即失效，店铺服务器需要改用新密钥。",
      "set.keys.title": "API 密钥",
      "set.keys.sub": "供店铺自己的服务器调用 API（例如 App 或小程序通过 API 渠道接入）。密钥只在创建时显示一次。",
      "set.keys.name": "密钥名称",
      "set.keys.namePh": "例如：小程序后端",
      "set.keys.create": "创建密钥",
      "set.keys.col.name": "名称",
      "set.keys.col.prefix": "前缀",
      "set.keys.col.created": "创建时间",
      "set.keys.col.used": "最近使用",
      "set.keys.col.status": "状态",
      "set.keys.active": "有效",
      "set.keys.revoked": "已吊销",
      "set.keys.revoke": "吊销",
      "set.keys.empty": "还没有 API 密钥。",
      "set.keys.newSecret": "新密钥（只显示这一次，请立即复制保存）：",
      "set.keys.revokeTitle": "吊销 API 密钥？",
      "set.keys.revokeBody": "使用“{name}”的服务器将立即无法调用 API。此操作无法撤销。",
      "set.keys.revokedToast": "已吊销密钥",
      "set.keys.nameRequired": "请填写密钥名称。",

      "conv.title": "会话",
      "conv.sub": "顾客与机器人、人工客服的全部对话。",
      "conv.filter": "按状态筛选",
      "conv.all": "全部",
      "status.bot": "机器人接待中",
      "status.queued": "排队中",
      "status.with_agent": "人工接待中",
      "status.closed": "已结束",
      "channel.widget": "网页聊天",
      "channel.api": "API",
      "conv.col.customer": "顾客",
      "conv.col.status": "状态",
      "conv.col.last": "最新消息",
      "conv.col.count": "消息数",
      "conv.visitor": "访客 #{id}",
      "conv.col.channel": "渠道",
      "conv.col.updated": "最近活动",
      "conv.empty": "还没有会话。",
      "conv.emptyFilter": "没有这个状态的会话。",
      "conv.back": "← 返回会话列表",
      "conv.verified": "已验证身份",
      "conv.anonymous": "访客",
      "conv.started": "开始于 {t}",
      "conv.closedAt": "结束于 {t}",
      "conv.customerId": "顾客 ID：{id}",
      "conv.number": "会话 #{id}",
      "conv.noMessages": "还没有消息。",
      "conv.buttons": "按钮：",
      "conv.image": "顾客发送的图片",
      "conv.imageOpen": "点击查看原图",
      "conv.file": "下载文件",
      "sender.customer": "顾客",
      "sender.bot": "机器人",
      "sender.agent": "人工客服",
      "sender.system": "系统",
      "conv.reply": "以人工客服身份回复",
      "conv.replyPh": "输入回复，Ctrl+Enter 发送",
      "conv.send": "发送",
      "conv.sending": "发送中…",
      "conv.replyHint": "人工回复后，这个会话转为人工接待，机器人不再自动回答。",
      "conv.closeBtn": "结束会话",
      "conv.closeTitle": "结束这个会话？",
      "conv.closeBody": "顾客之后再发消息会开始一个新会话。",
      "conv.closedNote": "会话已结束，不能再回复。",
      "conv.closedToast": "会话已结束",
      "conv.notFound": "找不到这个会话。",

      "ws.tabs": "工作台栏目",
      "ws.tab.chats": "接待",
      "ws.tab.supervisor": "实时监控",
      "ws.left": "队列和我的会话",
      "ws.center": "当前会话",
      "ws.customer": "顾客",
      "ws.conn.connecting": "连接中…",
      "ws.conn.open": "已连接",
      "ws.conn.reconnecting": "重新连接中…",
      "ws.offlineHint": "你现在不是“在线”：不会自动分配新会话，但仍可手动接入。",
      "ws.queue": "排队中",
      "ws.queueEmpty": "没有排队的顾客。",
      "ws.mine": "我的会话",
      "ws.mineEmpty": "你还没有接待中的会话。",
      "ws.pick": "从左侧选择一个会话，或接入排队中的顾客。",
      "ws.transfer": "转接",
      "ws.close": "结束会话",
      "ws.suggest": "建议回复",
      "ws.noteMode": "内部备注",
      "ws.kb": "搜索知识库",
      "ws.canned": "快捷回复",
      "ws.kbPh": "输入关键词搜索知识库",
      "ws.replyLabel": "回复顾客",
      "ws.replyPh": "输入回复，Enter 发送，Shift+Enter 换行；输入 / 使用快捷回复",
      "ws.notePh": "写给同事的备注，顾客看不到",
      "ws.replyHint": "“内部备注”只有同事能看到，顾客永远看不到。",
      "ws.addNote": "添加备注",
      "ws.custEmpty": "打开一个会话后，这里显示顾客的资料、订单和历史会话。",
      "ws.tags": "标签",
      "ws.tagAdd": "添加标签",
      "ws.tagPh": "例如：VIP",
      "ws.noTags": "还没有标签。",
      "ws.tagRemove": "删除标签“{tag}”",
      "ws.tagsSaved": "已保存标签",
      "ws.orders": "订单",
      "ws.noOrders": "没有找到这位顾客的订单。",
      "ws.ordersError": "订单系统暂时无法查询：{e}",
      "ws.past": "历史会话",
      "ws.noPast": "没有其他会话。",
      "ws.anonymous": "未验证身份",
      "ws.custId": "店铺顾客 ID",
      "ws.custNo": "kefu 编号",
      "ws.waiting": "已等待",
      "ws.accept": "接入",
      "ws.accepted": "已接入会话",
      "ws.taken": "这位顾客已被其他同事接入。",
      "ws.atCapacity": "你的接待量已满，请先结束一些会话。",
      "ws.assigned": "{name} 的会话已分配给你",
      "ws.unread": "{n} 条未读",
      "ws.servedBy": "由 {name} 接待",
      "ws.note": "内部备注",
      "ws.notePrivate": "仅同事可见",
      "ws.use": "使用",
      "ws.src.knowledge": "知识库",
      "ws.src.history": "历史回复",
      "ws.insert": "插入",
      "ws.cannedHint": "在回复框输入 / 和快捷词（例如 /退货地址）即可插入。",
      "ws.cannedEmpty": "还没有快捷回复。",
      "ws.cannedNoMatch": "没有匹配的快捷回复。",
      "ws.cannedAdd": "新增快捷回复",
      "ws.cannedEdit": "编辑快捷回复",
      "ws.cannedShortcut": "快捷词",
      "ws.cannedShortcutPh": "例如：退货地址",
      "ws.cannedTitleLabel": "标题",
      "ws.cannedText": "回复内容",
      "ws.cannedScope": "谁可以用",
      "ws.scope.personal": "只有我",
      "ws.scope.team": "整个团队",
      "ws.cannedDeleteTitle": "删除快捷回复 {s}？",
      "ws.cannedDeleted": "已删除快捷回复",
      "ws.cannedRequired": "请填写快捷词和回复内容。",
      "ws.cannedBadShortcut": "快捷词不能包含空格或 /。",
      "ws.cannedSaved": "已保存快捷回复",
      "ws.transferTitle": "转接会话",
      "ws.transferTo": "转给谁",
      "ws.toAgent": "转给客服",
      "ws.toGroup": "转给技能组（回到队列）",
      "ws.transferNote": "给接手同事的备注",
      "ws.transferNotePh": "例如：顾客要换货，已核对订单",
      "ws.loadOf": "{n}/{max} 个会话",
      "ws.nobodyOnline": "现在没有其他在线的客服。",
      "ws.pickAgent": "请选择一位在线的客服。",
      "ws.transferred": "已转接给 {to}",
      "ws.closeTitle": "结束会话",
      "ws.closeBody": "结束后会请顾客为本次服务评分；顾客再发消息会开始新的会话。",
      "ws.disposition": "处理结果",
      "ws.closeNote": "内部备注（可选）",
      "ws.closed": "会话已结束",
      "disp.resolved": "已解决",
      "disp.unresolved": "未解决",
      "disp.follow_up": "需要跟进",
      "disp.spam": "骚扰 / 无效",
      "sup.queue": "排队人数",
      "sup.longest": "最长等待",
      "sup.active": "人工接待中",
      "sup.online": "在线客服",
      "sup.agents": "客服",
      "sup.col.agent": "客服",
      "sup.col.status": "状态",
      "sup.col.load": "接待量",
      "sup.col.groups": "技能组",
      "sup.col.seen": "最近在线",
      "sup.queueTitle": "排队中的顾客",
      "sup.col.wait": "等待",
      "sup.col.group": "技能组",
      "sup.chats": "人工接待中的会话",
      "sup.chatsEmpty": "现在没有人工接待中的会话。",
      "err.code.not_queued": "这个会话已不在排队中",
      "err.code.at_capacity": "接待量已满",
      "err.code.agent_offline": "对方不在线",
      "err.code.bad_transfer": "请选择一位客服或一个技能组",
      "err.code.not_transferable": "这个会话不能转接",

      "nav.store": "店铺订单",
      "nav.flows": "自助流程",
      "title.store": "店铺订单 · kefu 管理后台",
      "title.flows": "自助流程 · kefu 管理后台",
      "nav.packs": "行业知识库",
      "title.packs": "行业知识库 · kefu 管理后台",
      "packs.title": "行业知识库",
      "packs.sub": "现成的行业问答，一键导入到店铺的知识库，答案自动填入店铺信息；知识库出新版本时，更新不会覆盖你改过的内容。",
      "packs.readonly": "你是客服账号，可以查看行业知识库和历史记录；只有店主和管理员可以导入、更新和撤销。",
      "packs.tabs": "行业知识库栏目",
      "packs.tab.packs": "知识库",
      "packs.tab.history": "历史记录",
      "packs.empty": "没有可用的行业知识库。",
      "packs.sources": "知识库来源：{list}",
      "packs.source.builtin": "内置",
      "packs.source.local": "本地文件夹",
      "packs.source.remote": "知识库服务器",
      "packs.sourceDown": "知识库来源“{source}”暂时无法读取：{error}",
      "packs.problem": "跳过了一个无法使用的知识库文件：{p}",
      "packs.installed": "已导入 {v}",
      "packs.notInstalled": "未导入",
      "packs.updateAvailable": "有新版本 {v}",
      "packs.pendingCount": "{n} 个冲突待决定",
      "packs.f.language": "语言",
      "packs.lang.zh": "中文",
      "packs.lang.en": "英文",
      "packs.f.version": "最新版本",
      "packs.f.versions": "（共 {n} 个版本）",
      "packs.f.points": "知识点",
      "packs.f.similar": "相似问法",
      "packs.f.base": "基础库",
      "packs.f.source": "来源",
      "packs.installedAt": "导入于 {t}",
      "packs.updatedAt": "最近更新于 {t}",
      "packs.import": "一键导入",
      "packs.importing": "导入中…",
      "packs.import.title": "导入“{name}”？",
      "packs.import.checking": "正在检查店铺信息和已有的知识点…",
      "packs.import.summary": "“{name}”共 {n} 个知识点：{live} 个直接上线，{linked} 个与店铺已有的知识点重复（关联，以店铺的答案为准），{review} 个先关闭、等你确认，{todo} 个缺少店铺信息、先关闭。",
      "packs.import.factsMissing": "答案会引用下面的店铺信息。{n} 项还没有填写：引用它们的知识点先关闭，填写后自动上线。也可以现在填写。",
      "packs.import.factsOk": "答案会引用下面的店铺信息，请确认；灰色文字是知识库的默认值。",
      "packs.import.linksTitle": "与店铺已有知识点重复，将关联（{n} 个）",
      "packs.import.sameQuestion": "店铺已有相同的标准问题",
      "packs.import.reviewTitle": "先关闭、等你确认（{n} 个）",
      "packs.import.go": "导入",
      "packs.import.done": "已导入“{name}”{v}：新增 {added} 个知识点（{live} 个已上线，{review} 个待确认，{todo} 个待完善），关联 {linked} 个店铺已有的知识点。",
      "packs.import.toast": "已导入“{name}”",
      "packs.previewUpdate": "预览更新到 {v}",
      "packs.resolve": "决定冲突",
      "packs.viewHistory": "查看历史",
      "packs.auto.on": "自动更新：开",
      "packs.auto.off": "自动更新：关",
      "packs.auto.hint": "出新版本时自动更新：你没改过的知识点跟随新版本，你改过的保留，冲突等你决定。",
      "packs.auto.onToast": "已为“{name}”开启自动更新",
      "packs.auto.offToast": "已为“{name}”关闭自动更新",
      "packs.back": "← 返回行业知识库",
      "packs.preview.title": "更新“{name}”",
      "packs.preview.versions": "从 {from} 更新到 {to}",
      "packs.preview.current": "当前版本 {v}：没有更新的版本",
      "packs.preview.note": "点开每一条可以查看具体字段。应用前不会修改任何内容。",
      "packs.preview.noteConflicts": "点开每一条可以查看具体字段。冲突需要你决定；未决定的冲突保持原样，之后还可以在这里决定。应用前不会修改任何内容。",
      "packs.preview.readonly": "你是客服账号，可以查看更新内容；只有店主和管理员可以应用更新。",
      "packs.preview.nothing": "更新到 {v} 不会改动任何知识点。",
      "packs.preview.upToDate": "已是最新版本，也没有待决定的冲突。",
      "packs.group.conflict": "冲突",
      "packs.group.auto": "自动更新",
      "packs.group.keep": "保留店铺的修改",
      "packs.group.add": "新增",
      "packs.group.remove": "删除",
      "packs.group.stays_deleted": "保持删除",
      "packs.group.unchanged": "无变化",
      "packs.groupHint.conflict": "你和新版本改了同一处，需要你决定：保留你的、采用新版本，或者手动编辑。",
      "packs.groupHint.auto": "你没有改过这些地方，将自动采用新版本（你改过的其他字段保留）。",
      "packs.groupHint.keep": "你改过、新版本没有改：保留你的修改。",
      "packs.groupHint.add": "新版本新增的知识点。",
      "packs.groupHint.remove": "新版本删除了、你也没有改过的知识点，将被删除（可以撤销）。",
      "packs.groupHint.stays_deleted": "你删除过的知识点：新版本改了它们，但不会加回来。",
      "packs.col.field": "字段",
      "packs.col.now": "现在",
      "packs.col.after": "更新后",
      "packs.col.base": "原版本",
      "packs.col.mine": "你的",
      "packs.col.theirs": "新版本",
      "packs.col.new": "将新增",
      "packs.col.removed": "将删除",
      "packs.col.before": "之前",
      "packs.col.afterChange": "之后",
      "packs.val.deleted": "（新版本已删除）",
      "packs.val.empty": "（空）",
      "packs.fstatus.same": "相同",
      "packs.fstatus.theirs": "采用新版本",
      "packs.fstatus.mine": "保留你的",
      "packs.fstatus.both": "双方相同",
      "packs.fstatus.merged": "合并",
      "packs.fstatus.conflict": "冲突",
      "packs.add.link": "关联已有",
      "packs.add.linked": "店铺已有相同标准问题的知识点：将关联它，不会重复添加。",
      "packs.add.similar": "与你的“{q}”重复：将关联它，以你的答案为准，不会添加。",
      "packs.add.maybe": "可能与你的“{q}”重复：新增后先关闭，等你确认。",
      "packs.add.offUntil": "新增后先关闭，等你确认。",
      "packs.add.missing": "缺少店铺信息（{facts}）：新增后先关闭，填写后自动上线。",
      "packs.add.off": "先关闭",
      "packs.staysDeleted.gone": "新版本也删除了这条。",
      "packs.staysDeleted.linked": "它与你自己的知识点重复，以你的答案为准：不会添加。",
      "packs.fact.missing": "未填写",
      "packs.fact.default": "默认值",
      "packs.fact.set": "已填写",
      "packs.fact.placeholder": "请填写",
      "packs.fact.points": "{n} 个知识点引用",
      "packs.fact.defaultHint": "不填则用默认值",
      "packs.promise.fast_delivery": "次日达/当日达/加急",
      "packs.promise.price_protection": "价格保护",
      "packs.promise.cash_on_delivery": "货到付款",
      "packs.promise.installments": "分期/免息",
      "packs.promise.installation": "安装/上门服务",
      "packs.promise.insurance": "延保/运费险等保障",
      "packs.promise.compensation": "补偿/赔付",
      "packs.promise.trade_in": "以旧换新",
      "packs.promise.gift_service": "礼品包装/贺卡",
      "packs.review.title": "待确认",
      "packs.review.sub": "这些知识点先关闭了：它们承诺了店铺未必提供的服务，或者可能和你自己的知识点重复。确认后上线，或者关闭。",
      "packs.review.kind.promise": "服务承诺",
      "packs.review.kind.duplicate": "可能重复",
      "packs.review.promise": "承诺了：{kinds}。",
      "packs.review.maybe": "可能与你的“{q}”重复。",
      "packs.review.yours": "你的答案：",
      "packs.review.alsoFacts": "还缺少店铺信息：{facts}（填写后才会上线）。",
      "packs.review.confirm": "确认，上线",
      "packs.review.off": "不提供，关闭",
      "packs.review.linkDup": "是重复的，用我的",
      "packs.review.confirmDup": "不重复，上线",
      "packs.review.offDup": "关闭",
      "packs.review.done.confirm": "已确认“{q}”",
      "packs.review.done.off": "已关闭“{q}”",
      "packs.review.done.link": "“{q}”已关联到你的知识点",
      "packs.complete.title": "待完善",
      "packs.complete.sub": "这些知识点引用了还没填写的店铺信息，先关闭了。填写后它们会自动上线（你自己关闭的除外）。",
      "packs.complete.count": "{n} 个知识点在等",
      "packs.complete.which": "哪些知识点",
      "packs.complete.also": "还缺：{facts}",
      "packs.complete.saved": "已保存“{fact}”",
      "packs.reason.both_changed": "你和新版本都改了：{fields}。",
      "packs.reason.upstream_deleted": "新版本删除了这条知识点，但你改过它（{fields}）。",
      "packs.reason.question_taken": "新版本的标准问题和店铺另一个知识点相同：{fields}。",
      "packs.choice.legend": "你的决定",
      "packs.choice.pending": "稍后决定（保持原样）",
      "packs.choice.mine": "保留我的",
      "packs.choice.mineDeleted": "保留（成为店铺自己的知识点）",
      "packs.choice.theirs": "采用新版本",
      "packs.choice.theirsDeleted": "按新版本删除",
      "packs.choice.edit": "手动编辑",
      "packs.choice.isPending": "待决定",
      "packs.choice.isDecided": "已决定：{how}",
      "packs.choice.short.mine": "保留我的",
      "packs.choice.short.theirs": "采用新版本",
      "packs.choice.short.edit": "手动编辑",
      "packs.edit.title": "编辑后的知识点",
      "packs.edit.fromMine": "用我的填入",
      "packs.edit.fromTheirs": "用新版本填入",
      "packs.edit.required": "请填写标准问题和答案。",
      "packs.apply": "应用更新",
      "packs.apply.to": "应用更新到 {v}",
      "packs.apply.decisions": "应用决定",
      "packs.apply.busy": "应用中…",
      "packs.apply.ready": "将按上面的内容更新到 {v}。",
      "packs.apply.readyCurrent": "将按上面的内容更新。",
      "packs.apply.partial": "已决定 {done}/{total} 个冲突；其余 {left} 个保持原样，等你以后决定。",
      "packs.apply.allDecided": "{total} 个冲突都已决定。",
      "packs.apply.fixEdits": "有手动编辑的知识点没有填完，请先补全。",
      "packs.apply.done": "已更新到 {v}：{what}。",
      "packs.apply.noChanges": "没有改动",
      "packs.apply.stillPending": "还有 {n} 个冲突待决定：这些知识点保持原样，下面可以继续决定。",
      "packs.apply.toast": "“{name}”已更新到 {v}",
      "packs.kind.import": "导入",
      "packs.kind.update": "更新",
      "packs.kind.refill": "重新填入店铺信息",
      "packs.kind.rollback": "撤销",
      "packs.kind.review": "确认",
      "packs.change.added": "新增",
      "packs.change.linked": "关联",
      "packs.change.updated": "更新",
      "packs.change.kept": "保留",
      "packs.change.deleted": "删除",
      "packs.change.conflict": "冲突待决定",
      "packs.change.resolved": "已决定",
      "packs.change.stays_deleted": "保持删除",
      "packs.change.rolled_back": "撤销",
      "packs.change.refilled": "重新填入",
      "packs.change.held": "先关闭",
      "packs.change.released": "已上线",
      "packs.change.confirmed": "已确认",
      "packs.change.switched_off": "已关闭",
      "packs.actor.update": "更新 {v} 自动合并",
      "packs.actor.api": "API 密钥",
      "packs.actor.cli": "命令行",
      "packs.actor.auto": "自动更新",
      "packs.batches.title": "导入和更新",
      "packs.batches.sub": "每个知识库只有最近一次导入或更新可以撤销；撤销后它改动的知识点全部恢复原样。",
      "packs.batches.empty": "还没有导入或更新。",
      "packs.batches.range": "第 {from}–{to} 条",
      "packs.filter.pack": "按知识库筛选",
      "packs.filter.allPacks": "全部知识库",
      "packs.col.time": "时间",
      "packs.col.pack": "知识库",
      "packs.col.kind": "类型",
      "packs.col.versions": "版本",
      "packs.col.counts": "变更",
      "packs.col.by": "操作人",
      "packs.col.actions": "操作",
      "packs.col.point": "知识点",
      "packs.col.what": "变更",
      "packs.col.batch": "批次",
      "packs.batch.changes": "查看变更",
      "packs.batch.rollsBack": "撤销批次 #{id}",
      "packs.rollback": "撤销",
      "packs.rollback.title": "撤销这次{kind}（{name}）？",
      "packs.rollback.bodyImport": "将删除这次导入添加的知识点，并取消关联；“{name}”回到未导入状态，之后可以重新导入。这之后对这些知识点的修改也会被撤销（历史记录中保留）。",
      "packs.rollback.bodyUpdate": "“{name}”将从 {to} 回到 {from}：这次更新改动的知识点全部恢复原样。这之后对这些知识点的修改也会被撤销（历史记录中保留）。",
      "packs.rollback.done": "已撤销（{name}）",
      "packs.why.done": "已撤销（批次 #{id}）",
      "packs.why.later": "之后还有批次 #{id}，请先撤销它",
      "packs.why.dependants": "{packs} 基于这个知识库，请先撤销它的导入",
      "packs.changes.title": "变更记录",
      "packs.changes.sub": "行业知识库对店铺知识点的每一次改动：改了什么、什么时候、由谁或哪次更新决定。",
      "packs.changes.empty": "还没有变更记录。",
      "packs.changes.count": "共 {n} 条",
      "packs.changes.batchFilter": "批次 #{id}",
      "packs.changes.clearBatch": "显示全部批次",
      "packs.changes.diff": "前后对比",
      "err.code.pack_installed": "店铺已经导入了这个知识库，请使用更新",
      "err.code.unknown_fact": "知识库没有用到这项店铺信息",
      "err.code.fact_too_long": "店铺信息太长",
      "err.code.not_in_review": "这个知识点没有在等确认",
      "err.code.bad_decision": "这个决定不适用于这个知识点",
      "err.code.link_target_gone": "你的那个知识点已经不在了",
      "err.code.pack_not_installed": "店铺还没有导入这个知识库",
      "err.code.pack_base_missing": "找不到它依赖的基础库",
      "err.code.pack_not_found": "找不到这个知识库",
      "err.code.pack_version_not_found": "找不到这个版本",
      "err.code.pack_source_unavailable": "知识库来源暂时无法读取",
      "err.code.bad_pack": "知识库文件不符合格式",
      "err.code.bad_version": "版本号格式不对",
      "err.code.older_version": "不能更新到更旧的版本",
      "err.code.unknown_resolution": "决定的知识点不在冲突里",
      "err.code.nothing_to_apply": "没有需要应用的更新",
      "err.code.invalid_point": "知识点内容不符合要求",
      "err.code.not_rollbackable": "这一批不能撤销",
      "err.code.rolled_back_already": "已经撤销过了",
      "err.code.later_batch": "之后还有更新，请先撤销最近的一次",
      "err.code.pack_has_dependants": "还有其他知识库基于它，请先撤销那些导入",
      "err.code.bad_transition": "订单不能这样改状态",
      "err.code.duplicate_order": "已经有这个订单号",
      "err.code.duplicate_sku": "已经有这个 SKU 的商品",
      "err.code.unknown_text": "没有这条话术",
      "err.code.text_too_long": "话术太长",
      "err.code.invalid_status": "状态不正确",
      "err.code.conflict": "与已有记录冲突",

      "agent.status": "接待状态",
      "agent.status.hint": "“在线”并打开工作台时可以接待转人工的顾客；没有这样的客服时，机器人会请顾客留言。",
      "agent.status.online": "在线",
      "agent.status.busy": "忙碌",
      "agent.status.away": "离开",
      "agent.status.offline": "离线",
      "agent.status.saved": "接待状态：{s}",

      "store.title": "店铺订单",
      "store.sub": "内置店铺的订单、商品和退货退款。机器人查订单、查物流、改地址和办退货都用这里的数据。",
      "store.tabs": "店铺栏目",
      "store.tab.orders": "订单",
      "store.tab.products": "商品",
      "store.tab.returns": "退货退款",
      "store.readonly": "你是客服账号，可以查看订单、商品和退货；只有店主和管理员可以修改。",
      "store.external": "你的店铺已接入自己的订单系统（{url}），机器人查询的是那里的订单；这里显示的是内置店铺的数据。",
      "order.search": "搜索订单号",
      "order.filter": "按状态筛选",
      "order.all": "全部",
      "order.status.pending_payment": "待付款",
      "order.status.paid": "待发货",
      "order.status.shipped": "已发货",
      "order.status.delivered": "已签收",
      "order.status.completed": "已完成",
      "order.status.cancelled": "已取消",
      "order.col.no": "订单号",
      "order.col.customer": "顾客",
      "order.col.items": "商品",
      "order.col.total": "金额",
      "order.col.status": "状态",
      "order.col.created": "下单时间",
      "order.itemsMore": "{name} 等 {n} 种",
      "order.empty": "还没有订单。",
      "order.emptyFilter": "没有符合条件的订单。",
      "order.add": "新建订单",
      "order.back": "← 返回订单列表",
      "order.notFound": "找不到这个订单。",
      "order.heading": "订单 {no}",
      "order.customerRef": "顾客 ID：{id}",
      "order.placed": "下单于 {t}",
      "order.paidAt": "付款于 {t}",
      "order.shippedAt": "发货于 {t}",
      "order.deliveredAt": "签收于 {t}",
      "order.cancelledAt": "取消于 {t}",
      "order.shipBy": "承诺 {t} 前发货",
      "order.payment": "支付方式：{m}",
      "order.urged": "顾客催过 {n} 次",
      "order.next": "下一步",
      "order.move.paid": "标记为已付款",
      "order.move.shipped": "标记为已发货",
      "order.move.delivered": "标记为已签收",
      "order.move.completed": "标记为已完成",
      "order.move.cancelled": "取消订单",
      "order.moved": "订单已改为“{s}”",
      "order.cancelTitle": "取消订单 {no}？",
      "order.cancelBody": "取消后不能恢复；已付款的订单请另行退款。",
      "order.final": "订单已经是最终状态。",
      "order.items": "商品",
      "order.item.sku": "SKU",
      "order.item.name": "名称",
      "order.item.qty": "数量",
      "order.item.price": "单价",
      "order.item.subtotal": "小计",
      "order.total": "合计",
      "order.address": "收货信息",
      "order.address.none": "没有收货地址。",
      "order.shipments": "物流",
      "order.noShipments": "还没有发货记录。",
      "order.returns": "退货退款申请",
      "ship.status.in_transit": "运输中",
      "ship.status.out_for_delivery": "派送中",
      "ship.status.delivered": "已签收",
      "ship.status.exception": "异常",
      "ship.tracking": "{carrier} · 运单号 {no}",
      "ship.eta": "预计 {t} 送达",
      "ship.noEvents": "还没有物流进展。",
      "ship.add": "添加发货",
      "ship.carrier": "快递公司",
      "ship.carrierPh": "例如：中通快递",
      "ship.trackingNo": "运单号",
      "ship.submit": "确认发货",
      "ship.added": "已添加发货记录",
      "ship.hint": "待发货的订单添加发货记录后自动变为“已发货”。运单号只能包含字母、数字、- 和 _。",
      "ship.required": "请填写快递公司和运单号。",
      "track.add": "添加物流进展",
      "track.desc": "进展描述",
      "track.descPh": "例如：已到达上海转运中心",
      "track.location": "地点",
      "track.status": "包裹状态",
      "track.statusSame": "不变",
      "track.submit": "添加进展",
      "track.added": "已添加物流进展",
      "track.required": "请填写进展描述。",
      "track.hint": "选“已签收”时，已发货的订单会变为“已签收”。",
      "order.f.title": "新建订单",
      "order.f.no": "订单号",
      "order.f.noHint": "字母、数字、- 和 _，在店铺内不能重复。",
      "order.f.customer": "顾客 ID",
      "order.f.customerHint": "可选：顾客在店铺里的 ID（与顾客身份令牌的 sub 相同），机器人据此找到顾客的订单。",
      "order.f.status": "初始状态",
      "order.f.payment": "支付方式",
      "order.f.paymentPh": "例如：微信支付",
      "order.f.items": "商品",
      "order.f.itemAdd": "添加商品",
      "order.f.itemRemove": "删除这件商品",
      "order.f.sku": "SKU",
      "order.f.name": "商品名称",
      "order.f.qty": "数量",
      "order.f.price": "单价（元）",
      "order.f.itemsHint": "输入已有商品的 SKU 会自动填入名称和价格。",
      "order.f.address": "收货地址",
      "order.f.recipient": "收货人",
      "order.f.phone": "手机号",
      "order.f.phoneHint": "必填：匿名顾客查询订单时用它核验身份。",
      "order.f.province": "省",
      "order.f.city": "市",
      "order.f.district": "区县",
      "order.f.detail": "详细地址",
      "order.f.required": "请填写订单号，以及每件商品的 SKU 和名称。",
      "order.f.badQty": "数量必须是 1 以上的整数。",
      "order.f.badPrice": "价格格式不对，例如 168 或 168.50。",
      "order.f.total": "合计：{t}",
      "order.f.created": "已创建订单 {no}",
      "product.add": "新增商品",
      "product.search": "搜索商品名称、SKU 或分类",
      "product.col.sku": "SKU",
      "product.col.name": "商品",
      "product.col.category": "分类",
      "product.col.price": "价格",
      "product.col.stock": "库存",
      "product.col.actions": "操作",
      "product.empty": "还没有商品。",
      "product.emptySearch": "没有找到匹配的商品。",
      "product.outOfStock": "缺货",
      "product.priceLabel": "{sku} 的价格（元）",
      "product.stockLabel": "{sku} 的库存",
      "product.saved": "已保存 {sku}",
      "product.created": "已添加商品 {sku}",
      "product.deleted": "已删除商品 {sku}",
      "product.deleteTitle": "删除商品 {sku}？",
      "product.deleteBody": "“{name}”将从商品列表中删除；已有订单里的商品信息不受影响。",
      "product.badStock": "库存必须是 0 以上的整数。",
      "product.f.title": "新增商品",
      "product.f.sku": "SKU",
      "product.f.skuHint": "商品编号：字母、数字、- 和 _。",
      "product.f.name": "商品名称",
      "product.f.category": "分类",
      "product.f.price": "价格（元）",
      "product.f.stock": "库存",
      "product.f.required": "请填写 SKU 和商品名称。",
      "ret.col.no": "申请号",
      "ret.col.order": "订单",
      "ret.col.kind": "类型",
      "ret.col.items": "商品",
      "ret.col.reason": "原因",
      "ret.col.status": "状态",
      "ret.col.created": "申请时间",
      "ret.kind.return": "退货退款",
      "ret.kind.refund": "仅退款",
      "ret.kind.exchange": "换货",
      "ret.status.requested": "待处理",
      "ret.status.approved": "已同意",
      "ret.status.rejected": "已拒绝",
      "ret.status.received": "已收到退货",
      "ret.status.refunded": "已退款",
      "ret.status.cancelled": "已撤销",
      "ret.do.approved": "同意",
      "ret.do.rejected": "拒绝",
      "ret.do.received": "已收到退货",
      "ret.do.refunded": "已退款",
      "ret.allItems": "整单",
      "ret.empty": "还没有退货退款申请。顾客可以在聊天中通过“退货退款”流程发起申请。",
      "ret.updated": "申请 {no} 已改为“{s}”",
      "ret.rejectTitle": "拒绝申请 {no}？",
      "ret.rejectBody": "请先在聊天中告诉顾客拒绝的原因。",

      "flows.title": "自助流程",
      "flows.sub": "机器人在聊天中替顾客办理的事。关闭一个流程后，顾客问到时机器人改用知识库回答；也可以改写机器人在流程中说的话。",
      "flows.readonly": "你是客服账号，可以查看自助流程；只有店主和管理员可以修改。",
      "flows.switch": "开启“{name}”",
      "flows.on": "已开启",
      "flows.off": "已关闭",
      "flows.switchedOn": "已开启“{name}”",
      "flows.switchedOff": "已关闭“{name}”",
      "flows.examples": "顾客这样说时开始：",
      "flows.wording": "话术",
      "flows.wordingCount": "话术（已修改 {n} 条）",
      "flows.wordingHint": "留空表示使用默认话术（输入框里的灰色文字）。{…} 是变量，机器人会换成订单号等实际内容，请保留。",
      "flows.langs": "话术语言",
      "flows.lang.zh": "中文",
      "flows.lang.en": "English（英文）",
      "flows.own": "本流程的话术",
      "flows.common": "通用话术（询问订单号、核验手机号、确认按钮等）",
      "flows.commonHint": "这里的修改只对本流程生效。",
      "flows.customized": "已修改",
      "flows.reset": "恢复默认",
      "flows.resetDone": "已恢复默认话术",
      "flows.save": "保存话术",
      "flows.saved": "已保存",
      "flows.nothing": "没有修改。",
      "flows.vars": "变量：{vars}",
      "flows.noDefault": "（已修改；恢复默认后显示默认话术）",
      "flows.empty": "没有可用的自助流程。",

      "set.facts.title": "店铺信息",
      "set.facts.sub": "机器人在回答和自助流程中引用这些信息，例如退货期限、快递公司、服务时间。留空则使用默认值（灰色文字）。",
      "set.facts.saved": "已保存店铺信息",
      "fact.shop_name": "店铺称呼",
      "fact.free_shipping_threshold": "包邮门槛（元）",
      "fact.shipping_fee": "运费（元）",
      "fact.return_days": "无理由退货（天）",
      "fact.exchange_days": "换货期限（天）",
      "fact.carrier": "快递公司",
      "fact.ship_within_hours": "发货时限（小时）",
      "fact.delivery_days": "送达时间（天）",
      "fact.service_hours": "人工服务时间（机器人说的文字）",
      "fact.service_phone": "客服电话",
      "fact.warranty_months": "保修期（月）",
      "fact.invoice_days": "开票时间（天）",
      "fact.points_rate": "积分规则",
      "fact.price_protect_days": "价保期（天）",
      "fact.return_address": "退货地址",
      "fact.remote_areas": "偏远地区",
      "set.handoff.title": "转人工规则",
      "set.handoff.sub": "机器人什么时候把顾客交给人工客服。没有在线（且打开了工作台）的客服或不在服务时间时，机器人会请顾客留言。",
      "set.handoff.customer_asks": "顾客要求转人工时立即转接（说“转人工”或点按钮）",
      "set.handoff.on_anger": "顾客生气时立即转接",
      "set.handoff.on_flow_failure": "自助流程办不成时转接（订单系统故障、身份核验不通过）",
      "set.handoff.not_understood_in_row": "连续几次没听懂后转接",
      "set.handoff.anxious_in_row": "连续几条着急的消息后转接",
      "set.handoff.countHint": "0 表示从不；最多 20。",
      "set.handoff.vip_tags": "VIP 标签",
      "set.handoff.vipHint": "带有这些标签的顾客，第一条消息就转人工。多个标签用逗号分隔。",
      "set.handoff.badCount": "次数必须是 0 到 20 之间的整数。",
      "set.handoff.max_wait_minutes": "排队最长等待（分钟）",
      "set.handoff.maxWaitHint": "顾客排队超过这个时间还没有客服接待，就请他们选择继续等待或留言。0 表示不限；最多 240。",
      "set.handoff.badWait": "等待时间必须是 0 到 240 之间的整数（分钟）。",
      "set.hours.title": "人工服务时间",
      "set.hours.sub": "不在服务时间时，机器人不转人工，而是请顾客留言。",
      "set.hours.always": "随时有人（不限时间）",
      "set.hours.set": "只在以下时间",
      "set.hours.days": "哪几天",
      "set.hours.day.0": "周一",
      "set.hours.day.1": "周二",
      "set.hours.day.2": "周三",
      "set.hours.day.3": "周四",
      "set.hours.day.4": "周五",
      "set.hours.day.5": "周六",
      "set.hours.day.6": "周日",
      "set.hours.open": "开始",
      "set.hours.close": "结束",
      "set.hours.timezone": "时区",
      "set.hours.closeHint": "结束早于开始表示跨夜（例如 20:00–02:00）。机器人回复中说的服务时间在“店铺信息”里修改。",
      "set.hours.noDays": "请至少选择一天。",
      "set.hours.badTime": "请填写开始和结束时间。",
      "set.hours.noZone": "请填写时区，例如 Asia/Shanghai。",
      "set.commerce.title": "订单系统",
      "set.commerce.sub": "机器人查订单、查物流、改地址、办退货时从哪里读取订单。",
      "set.commerce.builtin": "内置店铺",
      "set.commerce.manage": "在“店铺订单”中管理",
      "set.commerce.own": "店铺自己的订单系统",
      "set.commerce.url": "接口地址",
      "set.commerce.urlHint": "以 https:// 开头；kefu 在后面加上 /orders 等路径调用，接口约定见 docs/commerce-contract.md。",
      "set.commerce.secret": "共享密钥",
      "set.commerce.secretHint": "kefu 用它签名每个请求（HMAC-SHA256）；建议 32 位以上随机字符，不能有空格。",
      "set.commerce.urlRequired": "请填写订单系统的接口地址。",
      "set.commerce.badUrl": "接口地址必须以 http:// 或 https:// 开头。",
      "set.commerce.badSecret": "共享密钥只能包含可见的英文字符，不能有空格。",

      "nav.try": "测试机器人",
      "nav.learn": "未解决问题",
      "nav.reports": "报表",
      "title.reports": "报表 · kefu 管理后台",
      "nav.audit": "操作日志",
      "title.audit": "操作日志 · kefu 管理后台",
      "audit.locked": "有账号因登录失败次数过多被暂时锁定（过去 24 小时）。",
      "audit.lockedLink": "查看操作日志",
      "title.try": "测试机器人 · kefu 管理后台",
      "channel.test": "测试",
      "try.title": "测试机器人",
      "try.sub": "以顾客的身份和机器人对话，在每条回复旁边查看它识别出了什么：命中的知识点和得分、候选问题、自助流程和已收集的信息、订单号等实体、情绪、转人工原因。",
      "try.readonly": "只有店主和管理员可以测试机器人。",
      "try.who": "以谁的身份",
      "try.anon": "匿名访客",
      "try.known": "已登录顾客",
      "try.customerId": "顾客 ID",
      "try.customerPh": "顾客 ID，例如 demo-customer",
      "try.needCustomer": "请填写顾客 ID（店铺系统里的顾客编号，例如 demo-customer），或选择匿名访客。",
      "try.locale": "语言",
      "try.new": "新会话",
      "try.hint": "点“新会话”开始。测试会话和真实顾客走同样的流程，但不会进入客服排队，也不显示在会话列表里。",
      "try.current": "会话 #{id} · {who} · {lang}。测试会话不会进入客服排队。",
      "try.closed": "这个会话已结束，请开始新会话。",
      "try.asVisitor": "匿名访客",
      "try.asCustomer": "顾客 {id}",
      "try.lang.zh": "中文",
      "try.lang.en": "英文",
      "try.empty": "还没有测试会话。选择身份和语言后点“新会话”，然后像顾客一样提问，例如“多久发货”或“D1003 到哪了”。",
      "try.say": "以顾客身份发消息",
      "try.textPh": "像顾客一样输入，例如：D1003 到哪了",
      "try.send": "发送",
      "try.sendHint": "Enter 发送，Shift+Enter 换行。点机器人回复里的按钮，等同于顾客点按钮。",
      "try.asButton": "点了按钮",
      "try.image": "图片",
      "try.link": "链接",
      "try.yes": "是",
      "try.no": "否",
      "try.trace": "机器人识别结果",
      "try.noTrace": "机器人没有处理这条消息。",
      "try.noTraceHandoff": "顾客点了“转人工”：测试会话只记录，不会进入客服排队。",
      "try.outcome.answer": "直接回答",
      "try.outcome.clarify": "反问确认",
      "try.outcome.fallback": "没听懂",
      "try.outcome.smalltalk": "闲聊",
      "try.outcome.flow": "自助流程",
      "try.outcome.handoff": "转人工",
      "try.outcome.silent": "未回复",
      "try.outcome.none": "未识别",
      "try.point": "知识点",
      "try.flow": "流程",
      "try.slots": "已收集",
      "try.asking": "正在询问：{slot}",
      "try.entities": "识别到",
      "try.emotion": "情绪",
      "try.counted": "计入转人工规则",
      "try.notCounted": "不计入（没有文字内容）",
      "try.notCountedButton": "不计入（按钮）",
      "try.smalltalk": "闲聊",
      "try.handoff": "转人工原因",
      "try.candidates": "候选知识点",
      "try.flowCandidates": "候选流程",
      "try.flowStatus.asking": "等待顾客回答",
      "try.flowStatus.unparsed": "没听懂回答",
      "try.flowStatus.done": "已完成",
      "try.flowStatus.cancelled": "已取消",
      "try.flowStatus.failed": "没办成",
      "try.flowStatus.paused": "已暂停",
      "try.slot.order_no": "订单号",
      "try.slot.phone": "手机号",
      "try.slot.confirmed": "确认",
      "try.slot.reason": "原因",
      "try.slot.address": "地址",
      "try.slot.contact": "联系方式",
      "try.slot.question": "问题",
      "try.slot.kind": "类型",
      "try.slot.skus": "商品",
      "try.entity.order_no": "订单号",
      "try.entity.phone": "手机号",
      "try.entity.amount": "金额",
      "try.entity.date": "日期",
      "try.entity.products": "商品",
      "try.small.are_you_bot": "问是不是机器人",
      "try.small.greeting": "打招呼",
      "try.small.thanks": "道谢",
      "try.small.goodbye": "告别",

      "conv.tabs": "会话栏目",
      "conv.tab.list": "全部会话",
      "conv.tab.left": "留言",
      "handoff.title": "转人工信息",
      "handoff.reason": "原因",
      "handoff.intent": "顾客想办的事",
      "handoff.emotion": "情绪",
      "handoff.order": "订单号",
      "handoff.priority": "排队优先级",
      "handoff.queued": "开始排队",
      "handoff.summary": "转人工前的对话",
      "handoff.reason.customer_asked": "顾客要求转人工",
      "handoff.reason.customer_button": "顾客点了“转人工”",
      "handoff.reason.not_understood": "机器人多次没听懂",
      "handoff.reason.angry": "顾客生气了",
      "handoff.reason.anxious": "顾客很着急",
      "handoff.reason.flow_failed": "自助流程没办成",
      "handoff.reason.vip": "VIP 顾客",
      "priority.0": "普通",
      "priority.1": "较高",
      "priority.2": "最高",
      "emotion.angry": "生气",
      "emotion.anxious": "着急",
      "emotion.neutral": "平静",
      "emotion.positive": "满意",
      "left.title": "留言",
      "left.sub": "没有客服在线或不在服务时间时，顾客留下的联系方式和问题。联系顾客后标为已处理。",
      "left.filter": "按处理状态筛选",
      "left.pending": "待处理",
      "left.handled": "已处理",
      "left.contact": "联系方式",
      "left.text": "留言",
      "left.context": "转人工信息",
      "left.at": "留言于 {t}",
      "left.handledAt": "已于 {t} 处理",
      "left.markHandled": "标为已处理",
      "left.done": "已标为已处理",
      "left.openConv": "查看会话",
      "left.empty": "没有待处理的留言。",
      "left.emptyHandled": "还没有已处理的留言。"
    },
    en: {
      "brand": "kefu",
      "nav.settings": "Settings",
      "nav.knowledge": "Knowledge",
      "nav.conversations": "Conversations",
      "nav.workspace": "Workspace",
      "nav.logout": "Log out",
      "nav.sections": "Console sections",
      "role.owner": "Owner",
      "role.admin": "Admin",
      "role.agent": "Agent",
      "lang.switch": "切换语言 / Switch language",
      "common.loading": "Loading…",
      "common.cancel": "Cancel",
      "common.save": "Save",
      "common.saving": "Saving…",
      "common.delete": "Delete",
      "common.edit": "Edit",
      "common.close": "Close",
      "common.confirm": "Confirm",
      "common.copy": "Copy",
      "common.copied": "Copied",
      "common.copyFailed": "Could not copy automatically; select the text and copy it by hand.",
      "common.prev": "Previous",
      "common.next": "Next",
      "common.range": "{from}–{to} of {total}",
      "common.none": "none",
      "common.never": "never",
      "err.network": "Could not reach the server. Check your connection and try again.",
      "err.generic": "Something went wrong (HTTP {status})",
      "err.code.bad_credentials": "Wrong email or password",
      "err.code.too_many_logins": "Too many failed logins; try again later",
      "err.code.duplicate_question": "A knowledge point with this standard question already exists",
      "err.code.forbidden": "Not allowed: only the shop's owner or admins may do this",
      "err.code.invalid_request": "Some of what you entered is not accepted",
      "err.code.not_found": "Not found",
      "err.code.conversation_closed": "The conversation is closed; it cannot be answered",
      "err.code.rate_limited": "Too many requests; wait a moment and try again",
      "err.code.request_too_large": "Too long",
      "err.code.session_expired": "Your session expired; please log in again",

      "title.login": "Log in · kefu console",
      "title.settings": "Settings · kefu console",
      "title.knowledge": "Knowledge · kefu console",
      "title.conversations": "Conversations · kefu console",
      "title.workspace": "Agent workspace · kefu",

      "login.title": "Log in to the console",
      "login.sub": "Owners, admins and agents all log in here.",
      "login.email": "Email",
      "login.password": "Password",
      "login.submit": "Log in",
      "login.submitting": "Logging in…",
      "login.required": "Enter your email and password.",
      "login.foot": "kefu · open-source intelligent customer service",

      "kb.title": "Knowledge base",
      "kb.sub": "The bot answers customers from these Q&As; changes apply from the next question on.",
      "kb.search": "Search questions, answers, categories, tags",
      "kb.add": "Add knowledge point",
      "kb.readonly": "You are logged in as an agent: you can read the knowledge base; only the owner and admins can change it.",
      "kb.col.category": "Category",
      "kb.col.question": "Standard question",
      "kb.col.answer": "Answer",
      "kb.col.status": "Status",
      "kb.col.updated": "Updated",
      "kb.col.actions": "Actions",
      "kb.similar": "Similar ({n}): ",
      "kb.enabled": "Enabled",
      "kb.disabled": "Disabled",
      "kb.uncategorized": "Uncategorised",
      "kb.empty": "No knowledge points yet. Click “Add knowledge point” to write the first one.",
      "kb.emptyAgent": "No knowledge points yet.",
      "kb.noMatch": "Nothing matches “{q}”.",
      "kb.count": "{n} in total",
      "kb.dialog.add": "New knowledge point",
      "kb.dialog.edit": "Edit knowledge point",
      "kb.f.category": "Category",
      "kb.f.categoryHint": "Optional; “/” makes subcategories, e.g. Shipping, After-sales/Returns.",
      "kb.f.question": "Standard question",
      "kb.f.questionHint": "The way customers most often ask it; must be unique in the knowledge base.",
      "kb.f.similar": "Similar questions",
      "kb.f.similarHint": "One per line; helps the bot recognise other wordings of the same question.",
      "kb.f.answer": "Answer",
      "kb.f.enabled": "Enabled (the bot answers with this point)",
      "kb.required": "Fill in the standard question and the answer.",
      "kb.created": "Knowledge point added",
      "kb.updated": "Changes saved",
      "kb.deleted": "Knowledge point deleted",
      "kb.delete.title": "Delete this knowledge point?",
      "kb.delete.body": "“{q}” will be deleted and the bot will stop answering with it. This cannot be undone.",
      "kb.export": "Export",
      "kb.export.csv": "CSV (opens in Excel)",
      "kb.export.xlsx": "Excel (.xlsx)",
      "kb.export.json": "JSON",
      "kb.import": "Import",
      "kb.filter.category": "Filter by category",
      "kb.filter.allCategories": "All categories",
      "kb.filter.uncategorized": "({n} uncategorised)",
      "kb.filter.clearTag": "Clear the tag filter",
      "kb.filter.tag": "Tag: {tag}",
      "kb.noMatchFilter": "No knowledge points match these filters.",
      "kb.notYet": "Not yet valid",
      "kb.expired": "Expired",
      "kb.validFrom": "valid from {t}",
      "kb.validTo": "until {t}",
      "kb.hasImage": "image",
      "kb.hasLink": "link",
      "kb.hasButtons": "{n} button(s)",
      "kb.f.tags": "Tags",
      "kb.f.tagsHint": "Optional, separated by commas; at most 20.",
      "kb.f.validFrom": "Valid from",
      "kb.f.validTo": "Valid until",
      "kb.f.validHint": "Optional: the bot answers with this point only in this period (your computer's time zone). Empty means no limit.",
      "kb.f.image": "Image URL",
      "kb.f.link": "Link URL",
      "kb.f.buttons": "Buttons",
      "kb.f.buttonsHint": "Optional, up to 5: a “reply” button sends a text for the customer, a “link” button opens a URL.",
      "kb.f.buttonAdd": "Add button",
      "kb.f.buttonLabel": "Button text",
      "kb.f.buttonValue": "Text to send",
      "kb.f.buttonUrl": "https://",
      "kb.f.buttonKind": "Button type",
      "kb.f.buttonKind.value": "Reply",
      "kb.f.buttonKind.url": "Link",
      "kb.f.buttonRemove": "Remove button",
      "kb.f.badWindow": "“Valid until” must be after “valid from”.",
      "kb.f.badUrl": "Links must start with http:// or https://.",
      "kb.f.badButton": "Every button needs its text and what it does.",
      "kb.import.title": "Import knowledge points",
      "kb.import.hint": "CSV, Excel (.xlsx) or JSON. The first row names the columns: category, question, similar_questions (separated by || or one per line in the cell), answer; optionally tags, enabled, valid_from, valid_to.\nA file with bad rows imports nothing unless you tick “skip bad rows”.",
      "kb.import.file": "File",
      "kb.import.mode": "When a standard question already exists",
      "kb.import.mode.upsert": "Update the existing point",
      "kb.import.mode.create": "Report the row as an error",
      "kb.import.skip": "Skip bad rows and import the rest",
      "kb.import.start": "Start import",
      "kb.import.again": "Import again",
      "kb.import.noFile": "Choose a file to import first.",
      "kb.import.tooBig": "The file is too large: 20 MB at most.",
      "kb.import.uploading": "Uploading…",
      "kb.import.queued": "Waiting to start…",
      "kb.import.running": "Importing: {done} / {total}",
      "kb.import.parsing": "Checking the file…",
      "kb.import.done": "Import finished: {created} created, {updated} updated, {skipped} skipped.",
      "kb.import.failed": "Nothing was imported: {n} problem(s) found. Fix them and import again, or tick “skip bad rows”.",
      "kb.import.failedFile": "Nothing was imported: the file cannot be imported.",
      "kb.import.errors": "Errors ({n})",
      "kb.import.warnings": "Warnings ({n}): these rows can be imported, but check them",
      "kb.import.col.row": "Row",
      "kb.import.col.field": "Field",
      "kb.import.col.problem": "Problem",
      "kb.import.wholeFile": "whole file",
      "kb.import.toast": "{n} knowledge points imported",
      "kb.field.category": "category",
      "kb.field.question": "question",
      "kb.field.similar_questions": "similar questions",
      "kb.field.answer": "answer",
      "kb.field.tags": "tags",
      "kb.field.enabled": "enabled",
      "kb.field.valid_from": "valid from",
      "kb.field.valid_to": "valid until",
      "kb.field.image_url": "image URL",
      "kb.field.link_url": "link URL",
      "kb.field.buttons": "buttons",
      "kb.field.header": "header",
      "kb.field.file": "file",

      "set.title": "Settings",
      "set.sub": "The shop and its bot, shop facts, handoff rules, service hours, the order system, the chat widget and API keys.",
      "set.readonly": "You are logged in as an agent: you can read the settings; only the owner and admins can change them.",
      "set.shop.title": "Shop and bot",
      "set.shop.sub": "The names and opening message customers see in the chat.",
      "set.name": "Shop name",
      "set.botName": "Bot name",
      "set.locale": "Default language",
      "set.localeHint": "Used when the customer's language cannot be told.",
      "set.timezone": "Shop time zone",
      "set.timezoneHint": "Reports cut days and hours in this zone (an IANA name, e.g. Asia/Shanghai); changing it rebuilds the reports.",
      "set.locale.zh": "中文 (Chinese)",
      "set.locale.en": "English",
      "set.greetingZh": "Chinese greeting",
      "set.greetingEn": "English greeting",
      "set.disclosure": "The bot always introduces itself as a bot first: that disclosure is fixed and cannot be turned off; your greeting follows it.",
      "set.preview": "Customers first see (English):",
      "set.previewDisclosure": "Hi, I'm {bot}, the customer-service bot of {shop} (not a person).",
      "set.save": "Save settings",
      "set.saved": "Saved",
      "set.answerThreshold": "Confidence to answer directly",
      "set.clarifyThreshold": "Confidence to offer options",
      "set.thresholdHint": "0–1; leave empty for the default. A higher answer threshold means fewer wrong answers but more “Did you mean…” options; the options threshold must not be above the answer threshold.",
      "set.thresholdRange": "A confidence must be a number from 0 to 1.",
      "err.code.duplicate_term": "This word is in the dictionary already",
      "err.code.invalid_thresholds": "The confidence to offer options must not be above the confidence to answer directly",

      "dict.title": "Dictionary",
      "dict.sub": "Words added here teach the bot your shop's vocabulary; synonyms are treated as the same word (delivery = shipping = parcel).",
      "dict.word": "Word",
      "dict.wordPh": "e.g. 快递",
      "dict.synonyms": "Synonyms",
      "dict.synonymsPh": "e.g. 物流, 包裹",
      "dict.synonymsHint": "Separate synonyms with commas, 、 or spaces; a word itself has no spaces.",
      "dict.add": "Add",
      "dict.col.word": "Word",
      "dict.col.synonyms": "Synonyms",
      "dict.noSynonyms": "(no synonyms)",
      "dict.empty": "The dictionary is empty. Add a first word, e.g. 快递 with the synonyms 物流, 包裹.",
      "dict.emptyAgent": "The dictionary is empty.",
      "dict.wordRequired": "Enter a word.",
      "dict.wordSpace": "A word has no spaces; put synonyms in the next box.",
      "dict.created": "Added to the dictionary",
      "dict.updated": "Dictionary updated",
      "dict.deleted": "Removed from the dictionary",
      "dict.delete.title": "Remove this word from the dictionary?",
      "dict.delete.body": "“{w}” and its synonyms will be removed; from the next question on the bot no longer treats them as the same word.",
      "set.widget.title": "Chat widget snippet",
      "set.widget.sub": "Paste this before </body> on every page of your shop; a chat button appears in the bottom-right corner.",
      "set.widget.key": "Public key (safe to publish): ",
      "set.widget.demo": "Preview on the demo storefront",
      "set.identity.title": "Customer identity secret",
      "set.identity.sub": "For logged-in customers: your shop's server signs an HS256 JWT {sub: customer id, name, exp: expiry} with this secret and puts it in the snippet's data-customer-token attribute. kefu checks the signature and knows who the customer is. Keep it on your server; never put it in a web page.",
      "set.identity.reveal": "Reveal",
      "set.identity.hide": "Hide",
      "set.identity.rotate": "Rotate secret",
      "set.identity.rotated": "Identity secret rotated",
      "set.identity.confirmTitle": "Rotate the identity secret?",
      "set.identity.confirmBody": "Customer identities signed with the old secret stop working at once; your server must switch to the new one.",
      "set.keys.title": "API keys",
      "set.keys.sub": "For your shop's own servers to call the API (for example an app or mini-program on the API channel). A key's secret is shown only once, when it is created.",
      "set.keys.name": "Key name",
      "set.keys.namePh": "e.g. mini-program backend",
      "set.keys.create": "Create key",
      "set.keys.col.name": "Name",
      "set.keys.col.prefix": "Prefix",
      "set.keys.col.created": "Created",
      "set.keys.col.used": "Last used",
      "set.keys.col.status": "Status",
      "set.keys.active": "Active",
      "set.keys.revoked": "Revoked",
      "set.keys.revoke": "Revoke",
      "set.keys.empty": "No API keys yet.",
      "set.keys.newSecret": "New key (shown only this once; copy it now):",
      "set.keys.revokeTitle": "Revoke this API key?",
      "set.keys.revokeBody": "Servers using “{name}” lose API access at once. This cannot be undone.",
      "set.keys.revokedToast": "Key revoked",
      "set.keys.nameRequired": "Give the key a name.",

      "conv.title": "Conversations",
      "conv.sub": "Every conversation customers had with the bot and with agents.",
      "conv.filter": "Filter by status",
      "conv.all": "All",
      "status.bot": "With bot",
      "status.queued": "Queued",
      "status.with_agent": "With agent",
      "status.closed": "Closed",
      "channel.widget": "Web chat",
      "channel.api": "API",
      "conv.col.customer": "Customer",
      "conv.col.status": "Status",
      "conv.col.last": "Last message",
      "conv.col.count": "Messages",
      "conv.visitor": "Visitor #{id}",
      "conv.col.channel": "Channel",
      "conv.col.updated": "Last activity",
      "conv.empty": "No conversations yet.",
      "conv.emptyFilter": "No conversations with this status.",
      "conv.back": "← Back to conversations",
      "conv.verified": "Verified",
      "conv.anonymous": "Visitor",
      "conv.started": "Started {t}",
      "conv.closedAt": "Closed {t}",
      "conv.customerId": "Customer id: {id}",
      "conv.number": "Conversation #{id}",
      "conv.noMessages": "No messages yet.",
      "conv.buttons": "Buttons:",
      "conv.image": "Image from the customer",
      "conv.imageOpen": "Open full size",
      "conv.file": "Download file",
      "sender.customer": "Customer",
      "sender.bot": "Bot",
      "sender.agent": "Agent",
      "sender.system": "System",
      "conv.reply": "Reply as an agent",
      "conv.replyPh": "Type a reply; Ctrl+Enter sends",
      "conv.send": "Send",
      "conv.sending": "Sending…",
      "conv.replyHint": "Once a person replies, the conversation is with an agent and the bot stops answering it.",
      "conv.closeBtn": "Close conversation",
      "conv.closeTitle": "Close this conversation?",
      "conv.closeBody": "If the customer writes again, a new conversation starts.",
      "conv.closedNote": "This conversation is closed; it cannot be answered.",
      "conv.closedToast": "Conversation closed",
      "conv.notFound": "This conversation was not found.",

      "ws.tabs": "Workspace sections",
      "ws.tab.chats": "Chats",
      "ws.tab.supervisor": "Supervisor",
      "ws.left": "Queue and my chats",
      "ws.center": "Current chat",
      "ws.customer": "Customer",
      "ws.conn.connecting": "Connecting…",
      "ws.conn.open": "Connected",
      "ws.conn.reconnecting": "Reconnecting…",
      "ws.offlineHint": "You are not “Online”: no chats are assigned to you, but you can still accept them by hand.",
      "ws.queue": "Queue",
      "ws.queueEmpty": "Nobody is waiting.",
      "ws.mine": "My chats",
      "ws.mineEmpty": "You have no chats yet.",
      "ws.pick": "Pick a chat on the left, or accept a waiting customer.",
      "ws.transfer": "Transfer",
      "ws.close": "Close chat",
      "ws.suggest": "Suggested replies",
      "ws.noteMode": "Internal note",
      "ws.kb": "Search knowledge",
      "ws.canned": "Canned responses",
      "ws.kbPh": "Search the knowledge base",
      "ws.replyLabel": "Reply to the customer",
      "ws.replyPh": "Type a reply: Enter sends, Shift+Enter adds a line; / for canned responses",
      "ws.notePh": "A note for colleagues; the customer never sees it",
      "ws.replyHint": "Internal notes are seen by colleagues only, never by the customer.",
      "ws.addNote": "Add note",
      "ws.custEmpty": "Open a chat to see the customer's details, orders and past conversations here.",
      "ws.tags": "Tags",
      "ws.tagAdd": "Add tag",
      "ws.tagPh": "e.g. VIP",
      "ws.noTags": "No tags yet.",
      "ws.tagRemove": "Remove tag “{tag}”",
      "ws.tagsSaved": "Tags saved",
      "ws.orders": "Orders",
      "ws.noOrders": "No orders found for this customer.",
      "ws.ordersError": "The order system could not be reached: {e}",
      "ws.past": "Past conversations",
      "ws.noPast": "No other conversations.",
      "ws.anonymous": "Not verified",
      "ws.custId": "Shop customer id",
      "ws.custNo": "kefu number",
      "ws.waiting": "Waiting",
      "ws.accept": "Accept",
      "ws.accepted": "Chat accepted",
      "ws.taken": "A colleague has already taken this customer.",
      "ws.atCapacity": "You have as many chats as you can take; close some first.",
      "ws.assigned": "A chat with {name} is now yours",
      "ws.unread": "{n} unread",
      "ws.servedBy": "Served by {name}",
      "ws.note": "Internal note",
      "ws.notePrivate": "Colleagues only",
      "ws.use": "Use",
      "ws.src.knowledge": "Knowledge",
      "ws.src.history": "Past reply",
      "ws.insert": "Insert",
      "ws.cannedHint": "Type / and the shortcut in the reply box (e.g. /returns) to insert one.",
      "ws.cannedEmpty": "No canned responses yet.",
      "ws.cannedNoMatch": "No canned response matches.",
      "ws.cannedAdd": "New canned response",
      "ws.cannedEdit": "Edit canned response",
      "ws.cannedShortcut": "Shortcut",
      "ws.cannedShortcutPh": "e.g. returns",
      "ws.cannedTitleLabel": "Title",
      "ws.cannedText": "Reply text",
      "ws.cannedScope": "Who can use it",
      "ws.scope.personal": "Only me",
      "ws.scope.team": "The whole team",
      "ws.cannedDeleteTitle": "Delete canned response {s}?",
      "ws.cannedDeleted": "Canned response deleted",
      "ws.cannedRequired": "Enter the shortcut and the reply text.",
      "ws.cannedBadShortcut": "A shortcut has no spaces or /.",
      "ws.cannedSaved": "Canned response saved",
      "ws.transferTitle": "Transfer the chat",
      "ws.transferTo": "Transfer to",
      "ws.toAgent": "An agent",
      "ws.toGroup": "A skill group (back to the queue)",
      "ws.transferNote": "Note for the colleague taking over",
      "ws.transferNotePh": "e.g. wants an exchange; order checked",
      "ws.loadOf": "{n}/{max} chats",
      "ws.nobodyOnline": "No other agent is online now.",
      "ws.pickAgent": "Choose an online agent.",
      "ws.transferred": "Transferred to {to}",
      "ws.closeTitle": "Close the chat",
      "ws.closeBody": "The customer is asked to rate the service; a new message from them starts a new conversation.",
      "ws.disposition": "Outcome",
      "ws.closeNote": "Internal note (optional)",
      "ws.closed": "Chat closed",
      "disp.resolved": "Resolved",
      "disp.unresolved": "Unresolved",
      "disp.follow_up": "Needs follow-up",
      "disp.spam": "Spam / invalid",
      "sup.queue": "Waiting",
      "sup.longest": "Longest wait",
      "sup.active": "Chats with agents",
      "sup.online": "Agents online",
      "sup.agents": "Agents",
      "sup.col.agent": "Agent",
      "sup.col.status": "Status",
      "sup.col.load": "Load",
      "sup.col.groups": "Skill groups",
      "sup.col.seen": "Last seen",
      "sup.queueTitle": "Waiting customers",
      "sup.col.wait": "Waiting",
      "sup.col.group": "Skill group",
      "sup.chats": "Chats with agents",
      "sup.chatsEmpty": "No chats with agents right now.",
      "err.code.not_queued": "This chat is not waiting any more",
      "err.code.at_capacity": "You are at your chat limit",
      "err.code.agent_offline": "That agent is not online",
      "err.code.bad_transfer": "Choose one agent or one skill group",
      "err.code.not_transferable": "This chat cannot be transferred",

      "nav.store": "Store",
      "nav.flows": "Flows",
      "title.store": "Store · kefu console",
      "title.flows": "Self-service flows · kefu console",
      "nav.packs": "Knowledge packs",
      "title.packs": "Knowledge packs · kefu console",
      "packs.title": "Knowledge packs",
      "packs.sub": "Ready-made questions and answers for your kind of shop: import one in a click, its answers filled with your shop's facts. New versions never overwrite what you have edited.",
      "packs.readonly": "You are an agent: you can see the packs and their history; only owners and admins can import, update and roll back.",
      "packs.tabs": "Knowledge pack sections",
      "packs.tab.packs": "Packs",
      "packs.tab.history": "History",
      "packs.empty": "No knowledge packs are available.",
      "packs.sources": "Pack sources: {list}",
      "packs.source.builtin": "built-in",
      "packs.source.local": "local folder",
      "packs.source.remote": "pack server",
      "packs.sourceDown": "The pack source “{source}” cannot be read right now: {error}",
      "packs.problem": "A pack file was skipped: {p}",
      "packs.installed": "Installed {v}",
      "packs.notInstalled": "Not installed",
      "packs.updateAvailable": "Update available: {v}",
      "packs.pendingCount": "{n} conflict(s) to decide",
      "packs.f.language": "Language",
      "packs.lang.zh": "Chinese",
      "packs.lang.en": "English",
      "packs.f.version": "Latest version",
      "packs.f.versions": "({n} versions)",
      "packs.f.points": "Points",
      "packs.f.similar": "Similar questions",
      "packs.f.base": "Base pack",
      "packs.f.source": "Source",
      "packs.installedAt": "Imported {t}",
      "packs.updatedAt": "last updated {t}",
      "packs.import": "Import",
      "packs.importing": "Importing…",
      "packs.import.title": "Import “{name}”?",
      "packs.import.checking": "Checking your shop facts and existing points…",
      "packs.import.summary": "“{name}” has {n} points: {live} go live, {linked} repeat points your shop already has (linked; your answer wins), {review} stay off until you confirm them, {todo} stay off until a shop fact is filled in.",
      "packs.import.factsMissing": "The answers quote the shop facts below. {n} are not filled in: the points that quote them stay off and go live once they are. You can fill them in now.",
      "packs.import.factsOk": "The answers quote the shop facts below; please check them. Grey text is the pack's default.",
      "packs.import.linksTitle": "Repeat points your shop has, linked ({n})",
      "packs.import.sameQuestion": "your point with the same question",
      "packs.import.reviewTitle": "Off until you confirm them ({n})",
      "packs.import.go": "Import",
      "packs.import.done": "Imported “{name}” {v}: {added} points added ({live} live, {review} to review, {todo} to complete), {linked} of your existing points linked.",
      "packs.import.toast": "Imported “{name}”",
      "packs.previewUpdate": "Preview update to {v}",
      "packs.resolve": "Decide conflicts",
      "packs.viewHistory": "History",
      "packs.auto.on": "Auto-update: on",
      "packs.auto.off": "Auto-update: off",
      "packs.auto.hint": "Apply new versions by themselves: points you never edited follow the pack, your edits are kept, conflicts wait for you.",
      "packs.auto.onToast": "Auto-update on for “{name}”",
      "packs.auto.offToast": "Auto-update off for “{name}”",
      "packs.back": "← Back to knowledge packs",
      "packs.preview.title": "Update “{name}”",
      "packs.preview.versions": "From {from} to {to}",
      "packs.preview.current": "Version {v}: nothing newer",
      "packs.preview.note": "Open any point to see its fields. Nothing changes until you apply.",
      "packs.preview.noteConflicts": "Open any point to see its fields. Conflicts need your decision; a conflict you leave undecided stays as it is, and you can decide it here later. Nothing changes until you apply.",
      "packs.preview.readonly": "You are an agent: you can see what the update does; only owners and admins can apply it.",
      "packs.preview.nothing": "Updating to {v} changes no points.",
      "packs.preview.upToDate": "Up to date, and no conflicts wait for a decision.",
      "packs.group.conflict": "Conflicts",
      "packs.group.auto": "Automatic updates",
      "packs.group.keep": "Your edits kept",
      "packs.group.add": "Added",
      "packs.group.remove": "Removed",
      "packs.group.stays_deleted": "Stay deleted",
      "packs.group.unchanged": "Unchanged",
      "packs.groupHint.conflict": "You and the new version changed the same thing: keep yours, take the new version, or edit by hand.",
      "packs.groupHint.auto": "You never edited these parts, so they take the new version (other fields you edited are kept).",
      "packs.groupHint.keep": "You edited these and the new version did not change them: your edits stay.",
      "packs.groupHint.add": "Points new in this version.",
      "packs.groupHint.remove": "Points the new version removed and you never edited: they are deleted (a rollback restores them).",
      "packs.groupHint.stays_deleted": "Points you deleted: the new version changed them, but they are not added back.",
      "packs.col.field": "Field",
      "packs.col.now": "Now",
      "packs.col.after": "After the update",
      "packs.col.base": "Original",
      "packs.col.mine": "Yours",
      "packs.col.theirs": "New version",
      "packs.col.new": "To be added",
      "packs.col.removed": "To be deleted",
      "packs.col.before": "Before",
      "packs.col.afterChange": "After",
      "packs.val.deleted": "(removed in the new version)",
      "packs.val.empty": "(empty)",
      "packs.fstatus.same": "same",
      "packs.fstatus.theirs": "new version",
      "packs.fstatus.mine": "yours kept",
      "packs.fstatus.both": "same change",
      "packs.fstatus.merged": "merged",
      "packs.fstatus.conflict": "conflict",
      "packs.add.link": "links yours",
      "packs.add.linked": "Your shop has a point with this question: it is linked instead of added twice.",
      "packs.add.similar": "Repeats your “{q}”: linked to it, your answer wins; not added.",
      "packs.add.maybe": "May repeat your “{q}”: added switched off until you decide.",
      "packs.add.offUntil": "Added switched off until you confirm it.",
      "packs.add.missing": "Shop facts missing ({facts}): added switched off; it goes live once they are filled in.",
      "packs.add.off": "Off for now",
      "packs.staysDeleted.gone": "The new version removed it too.",
      "packs.staysDeleted.linked": "It repeats one of your own points, whose answer wins: not added.",
      "packs.fact.missing": "Not filled in",
      "packs.fact.default": "Default",
      "packs.fact.set": "Filled in",
      "packs.fact.placeholder": "Please fill in",
      "packs.fact.points": "quoted by {n} points",
      "packs.fact.defaultHint": "left empty, the default is used",
      "packs.promise.fast_delivery": "next-day / same-day / express delivery",
      "packs.promise.price_protection": "price protection",
      "packs.promise.cash_on_delivery": "cash on delivery",
      "packs.promise.installments": "instalments / interest-free",
      "packs.promise.installation": "installation / on-site service",
      "packs.promise.insurance": "extended warranty / insurance",
      "packs.promise.compensation": "compensation",
      "packs.promise.trade_in": "trade-in",
      "packs.promise.gift_service": "gift wrapping / cards",
      "packs.review.title": "To review",
      "packs.review.sub": "These points are switched off: they promise a service your shop may not offer, or may repeat one of your own points. Confirm them to go live, or switch them off.",
      "packs.review.kind.promise": "Service promise",
      "packs.review.kind.duplicate": "Possible duplicate",
      "packs.review.promise": "Promises: {kinds}.",
      "packs.review.maybe": "May repeat your “{q}”.",
      "packs.review.yours": "Your answer:",
      "packs.review.alsoFacts": "Shop facts still missing: {facts} (it goes live once they are filled in).",
      "packs.review.confirm": "Confirm, go live",
      "packs.review.off": "We don't offer it: off",
      "packs.review.linkDup": "Same: use mine",
      "packs.review.confirmDup": "Different: go live",
      "packs.review.offDup": "Switch off",
      "packs.review.done.confirm": "Confirmed “{q}”",
      "packs.review.done.off": "Switched off “{q}”",
      "packs.review.done.link": "“{q}” is linked to your point",
      "packs.complete.title": "To complete",
      "packs.complete.sub": "These points quote shop facts you have not filled in, so they are switched off. Fill a fact in and they go live by themselves (unless you switched them off).",
      "packs.complete.count": "{n} points waiting",
      "packs.complete.which": "Which points",
      "packs.complete.also": "also missing: {facts}",
      "packs.complete.saved": "Saved “{fact}”",
      "packs.reason.both_changed": "You and the new version both changed: {fields}.",
      "packs.reason.upstream_deleted": "The new version removed this point, but you edited it ({fields}).",
      "packs.reason.question_taken": "The new version's question is the question of another of your points: {fields}.",
      "packs.choice.legend": "Your decision",
      "packs.choice.pending": "Decide later (leave as is)",
      "packs.choice.mine": "Keep mine",
      "packs.choice.mineDeleted": "Keep it (as your own point)",
      "packs.choice.theirs": "Take the new version",
      "packs.choice.theirsDeleted": "Delete it, as the pack did",
      "packs.choice.edit": "Edit by hand",
      "packs.choice.isPending": "Undecided",
      "packs.choice.isDecided": "Decided: {how}",
      "packs.choice.short.mine": "keep mine",
      "packs.choice.short.theirs": "new version",
      "packs.choice.short.edit": "edited",
      "packs.edit.title": "The point as you want it",
      "packs.edit.fromMine": "Fill with mine",
      "packs.edit.fromTheirs": "Fill with the new version",
      "packs.edit.required": "Enter a question and an answer.",
      "packs.apply": "Apply update",
      "packs.apply.to": "Apply update to {v}",
      "packs.apply.decisions": "Apply decisions",
      "packs.apply.busy": "Applying…",
      "packs.apply.ready": "Updates to {v} as shown above.",
      "packs.apply.readyCurrent": "Applies what is shown above.",
      "packs.apply.partial": "{done} of {total} conflicts decided; the other {left} stay as they are until you decide.",
      "packs.apply.allDecided": "All {total} conflicts decided.",
      "packs.apply.fixEdits": "A point you are editing by hand is incomplete: fill it in first.",
      "packs.apply.done": "Updated to {v}: {what}.",
      "packs.apply.noChanges": "no changes",
      "packs.apply.stillPending": "{n} conflict(s) still wait for a decision: those points stay as they are; decide them below.",
      "packs.apply.toast": "“{name}” updated to {v}",
      "packs.kind.import": "Import",
      "packs.kind.update": "Update",
      "packs.kind.refill": "Refill with shop facts",
      "packs.kind.rollback": "Rollback",
      "packs.kind.review": "Review",
      "packs.change.added": "Added",
      "packs.change.linked": "Linked",
      "packs.change.updated": "Updated",
      "packs.change.kept": "Kept",
      "packs.change.deleted": "Deleted",
      "packs.change.conflict": "Conflict pending",
      "packs.change.resolved": "Resolved",
      "packs.change.stays_deleted": "Stays deleted",
      "packs.change.rolled_back": "Rolled back",
      "packs.change.refilled": "Refilled",
      "packs.change.held": "Switched off",
      "packs.change.released": "Went live",
      "packs.change.confirmed": "Confirmed",
      "packs.change.switched_off": "Kept off",
      "packs.actor.update": "Update {v} (merge rules)",
      "packs.actor.api": "API key",
      "packs.actor.cli": "Command line",
      "packs.actor.auto": "Auto-update",
      "packs.batches.title": "Imports and updates",
      "packs.batches.sub": "Only the latest import or update of each pack can be rolled back; a rollback puts every point it touched back as it was.",
      "packs.batches.empty": "No imports or updates yet.",
      "packs.batches.range": "{from}–{to}",
      "packs.filter.pack": "Filter by pack",
      "packs.filter.allPacks": "All packs",
      "packs.col.time": "When",
      "packs.col.pack": "Pack",
      "packs.col.kind": "Kind",
      "packs.col.versions": "Version",
      "packs.col.counts": "Changes",
      "packs.col.by": "By",
      "packs.col.actions": "Actions",
      "packs.col.point": "Point",
      "packs.col.what": "What",
      "packs.col.batch": "Batch",
      "packs.batch.changes": "Changes",
      "packs.batch.rollsBack": "Rolls back #{id}",
      "packs.rollback": "Roll back",
      "packs.rollback.title": "Roll back this {kind} of {name}?",
      "packs.rollback.bodyImport": "The points this import added are deleted and links are undone; “{name}” is no longer installed and can be imported again. Edits made to those points since are undone too (the history keeps them).",
      "packs.rollback.bodyUpdate": "“{name}” goes back from {to} to {from}: every point this update touched is put back as it was. Edits made to those points since are undone too (the history keeps them).",
      "packs.rollback.done": "Rolled back ({name})",
      "packs.why.done": "Rolled back (batch #{id})",
      "packs.why.later": "Batch #{id} came later: roll that back first",
      "packs.why.dependants": "{packs} sits on this pack: roll that import back first",
      "packs.changes.title": "Change log",
      "packs.changes.sub": "Every change packs made to your knowledge points: what, when, and who or which update decided it.",
      "packs.changes.empty": "No changes yet.",
      "packs.changes.count": "{n} in all",
      "packs.changes.batchFilter": "Batch #{id}",
      "packs.changes.clearBatch": "Show all batches",
      "packs.changes.diff": "Before and after",
      "err.code.bad_transition": "The order cannot change status like this",
      "err.code.duplicate_order": "This order number exists already",
      "err.code.duplicate_sku": "A product with this SKU exists already",
      "err.code.unknown_text": "No such text",
      "err.code.text_too_long": "The text is too long",
      "err.code.invalid_status": "Not a valid status",
      "err.code.conflict": "Conflicts with an existing record",

      "agent.status": "Your status",
      "agent.status.hint": "Online agents with the workspace open take customers handed over by the bot; with nobody like that, the bot asks customers to leave a message.",
      "agent.status.online": "Online",
      "agent.status.busy": "Busy",
      "agent.status.away": "Away",
      "agent.status.offline": "Offline",
      "agent.status.saved": "Status: {s}",

      "store.title": "Store",
      "store.sub": "The built-in store's orders, products and returns. The bot's order lookups, tracking, address changes and returns use this data.",
      "store.tabs": "Store sections",
      "store.tab.orders": "Orders",
      "store.tab.products": "Products",
      "store.tab.returns": "Returns",
      "store.readonly": "You are logged in as an agent: you can read orders, products and returns; only the owner and admins can change them.",
      "store.external": "Your shop is connected to its own order system ({url}); the bot asks that system, not the built-in store shown here.",
      "order.search": "Search order numbers",
      "order.filter": "Filter by status",
      "order.all": "All",
      "order.status.pending_payment": "Awaiting payment",
      "order.status.paid": "Paid",
      "order.status.shipped": "Shipped",
      "order.status.delivered": "Delivered",
      "order.status.completed": "Completed",
      "order.status.cancelled": "Cancelled",
      "order.col.no": "Order",
      "order.col.customer": "Customer",
      "order.col.items": "Items",
      "order.col.total": "Total",
      "order.col.status": "Status",
      "order.col.created": "Placed",
      "order.itemsMore": "{name} and {n} more",
      "order.empty": "No orders yet.",
      "order.emptyFilter": "No orders match.",
      "order.add": "New order",
      "order.back": "← Back to orders",
      "order.notFound": "This order was not found.",
      "order.heading": "Order {no}",
      "order.customerRef": "Customer id: {id}",
      "order.placed": "Placed {t}",
      "order.paidAt": "Paid {t}",
      "order.shippedAt": "Shipped {t}",
      "order.deliveredAt": "Delivered {t}",
      "order.cancelledAt": "Cancelled {t}",
      "order.shipBy": "To ship by {t}",
      "order.payment": "Payment: {m}",
      "order.urged": "Customer asked to hurry {n}×",
      "order.next": "Next step",
      "order.move.paid": "Mark paid",
      "order.move.shipped": "Mark shipped",
      "order.move.delivered": "Mark delivered",
      "order.move.completed": "Mark completed",
      "order.move.cancelled": "Cancel order",
      "order.moved": "The order is now “{s}”",
      "order.cancelTitle": "Cancel order {no}?",
      "order.cancelBody": "A cancelled order cannot be reopened; refund a paid order separately.",
      "order.final": "The order is in its final status.",
      "order.items": "Items",
      "order.item.sku": "SKU",
      "order.item.name": "Name",
      "order.item.qty": "Qty",
      "order.item.price": "Unit price",
      "order.item.subtotal": "Subtotal",
      "order.total": "Total",
      "order.address": "Delivery",
      "order.address.none": "No delivery address.",
      "order.shipments": "Shipments",
      "order.noShipments": "Nothing shipped yet.",
      "order.returns": "Return requests",
      "ship.status.in_transit": "In transit",
      "ship.status.out_for_delivery": "Out for delivery",
      "ship.status.delivered": "Delivered",
      "ship.status.exception": "Exception",
      "ship.tracking": "{carrier} · tracking {no}",
      "ship.eta": "Expected {t}",
      "ship.noEvents": "No tracking updates yet.",
      "ship.add": "Add shipment",
      "ship.carrier": "Carrier",
      "ship.carrierPh": "e.g. SF Express",
      "ship.trackingNo": "Tracking number",
      "ship.submit": "Ship",
      "ship.added": "Shipment added",
      "ship.hint": "A paid order becomes “shipped” when a shipment is added. Tracking numbers use letters, digits, - and _.",
      "ship.required": "Enter the carrier and the tracking number.",
      "track.add": "Add tracking event",
      "track.desc": "What happened",
      "track.descPh": "e.g. Arrived at the Shanghai hub",
      "track.location": "Location",
      "track.status": "Parcel status",
      "track.statusSame": "Unchanged",
      "track.submit": "Add event",
      "track.added": "Tracking event added",
      "track.required": "Describe what happened.",
      "track.hint": "“Delivered” also marks a shipped order delivered.",
      "order.f.title": "New order",
      "order.f.no": "Order number",
      "order.f.noHint": "Letters, digits, - and _; unique in the shop.",
      "order.f.customer": "Customer id",
      "order.f.customerHint": "Optional: the customer's id in your shop (the sub of the customer identity token); the bot finds the customer's orders by it.",
      "order.f.status": "Starting status",
      "order.f.payment": "Payment method",
      "order.f.paymentPh": "e.g. card",
      "order.f.items": "Items",
      "order.f.itemAdd": "Add item",
      "order.f.itemRemove": "Remove this item",
      "order.f.sku": "SKU",
      "order.f.name": "Product name",
      "order.f.qty": "Qty",
      "order.f.price": "Unit price (¥)",
      "order.f.itemsHint": "A known product's SKU fills in its name and price.",
      "order.f.address": "Delivery address",
      "order.f.recipient": "Recipient",
      "order.f.phone": "Phone",
      "order.f.phoneHint": "Required: anonymous customers verify their orders with it.",
      "order.f.province": "Province",
      "order.f.city": "City",
      "order.f.district": "District",
      "order.f.detail": "Street address",
      "order.f.required": "Enter the order number, and each item's SKU and name.",
      "order.f.badQty": "A quantity is a whole number from 1.",
      "order.f.badPrice": "Write prices like 168 or 168.50.",
      "order.f.total": "Total: {t}",
      "order.f.created": "Order {no} created",
      "product.add": "Add product",
      "product.search": "Search name, SKU or category",
      "product.col.sku": "SKU",
      "product.col.name": "Product",
      "product.col.category": "Category",
      "product.col.price": "Price",
      "product.col.stock": "Stock",
      "product.col.actions": "Actions",
      "product.empty": "No products yet.",
      "product.emptySearch": "No products match.",
      "product.outOfStock": "Out of stock",
      "product.priceLabel": "Price of {sku} (¥)",
      "product.stockLabel": "Stock of {sku}",
      "product.saved": "{sku} saved",
      "product.created": "Product {sku} added",
      "product.deleted": "Product {sku} deleted",
      "product.deleteTitle": "Delete product {sku}?",
      "product.deleteBody": "“{name}” leaves the product list; orders keep their own copy of the items.",
      "product.badStock": "Stock is a whole number from 0.",
      "product.f.title": "New product",
      "product.f.sku": "SKU",
      "product.f.skuHint": "Product code: letters, digits, - and _.",
      "product.f.name": "Product name",
      "product.f.category": "Category",
      "product.f.price": "Price (¥)",
      "product.f.stock": "Stock",
      "product.f.required": "Enter the SKU and the product name.",
      "ret.col.no": "Request",
      "ret.col.order": "Order",
      "ret.col.kind": "Type",
      "ret.col.items": "Items",
      "ret.col.reason": "Reason",
      "ret.col.status": "Status",
      "ret.col.created": "Requested",
      "ret.kind.return": "Return",
      "ret.kind.refund": "Refund only",
      "ret.kind.exchange": "Exchange",
      "ret.status.requested": "Requested",
      "ret.status.approved": "Approved",
      "ret.status.rejected": "Rejected",
      "ret.status.received": "Goods received",
      "ret.status.refunded": "Refunded",
      "ret.status.cancelled": "Withdrawn",
      "ret.do.approved": "Approve",
      "ret.do.rejected": "Reject",
      "ret.do.received": "Goods received",
      "ret.do.refunded": "Refunded",
      "ret.allItems": "Whole order",
      "ret.empty": "No return requests yet. Customers open them in the chat with the “Return or refund” flow.",
      "ret.updated": "Request {no} is now “{s}”",
      "ret.rejectTitle": "Reject request {no}?",
      "ret.rejectBody": "Tell the customer why in the chat first.",

      "flows.title": "Self-service flows",
      "flows.sub": "What the bot does for customers in the chat. A flow that is off leaves the question to the knowledge base; you can also reword what the bot says in each flow.",
      "flows.readonly": "You are logged in as an agent: you can read the flows; only the owner and admins can change them.",
      "flows.switch": "Turn on “{name}”",
      "flows.on": "On",
      "flows.off": "Off",
      "flows.switchedOn": "“{name}” is on",
      "flows.switchedOff": "“{name}” is off",
      "flows.examples": "Starts when a customer says:",
      "flows.wording": "Wording",
      "flows.wordingCount": "Wording ({n} changed)",
      "flows.wordingHint": "Leave a box empty for the default wording (the grey text). {…} are placeholders the bot fills in, such as the order number: keep them.",
      "flows.langs": "Language of the wording",
      "flows.lang.zh": "中文 (Chinese)",
      "flows.lang.en": "English",
      "flows.own": "This flow's wording",
      "flows.common": "Shared wording (asking for the order number, phone check, confirm buttons …)",
      "flows.commonHint": "Changes here apply to this flow only.",
      "flows.customized": "Changed",
      "flows.reset": "Reset to default",
      "flows.resetDone": "Default wording restored",
      "flows.save": "Save wording",
      "flows.saved": "Saved",
      "flows.nothing": "Nothing changed.",
      "flows.vars": "Placeholders: {vars}",
      "flows.noDefault": "(changed; the default shows after a reset)",
      "flows.empty": "No self-service flows are available.",

      "set.facts.title": "Shop facts",
      "set.facts.sub": "The bot quotes these in answers and flows: the return window, the carrier, service hours … Leave a box empty for the default (the grey text).",
      "set.facts.saved": "Shop facts saved",
      "fact.shop_name": "Shop name as the bot says it",
      "fact.free_shipping_threshold": "Free shipping from (¥)",
      "fact.shipping_fee": "Shipping fee (¥)",
      "fact.return_days": "Returns within (days)",
      "fact.exchange_days": "Exchanges within (days)",
      "fact.carrier": "Carrier",
      "fact.ship_within_hours": "Ships within (hours)",
      "fact.delivery_days": "Delivery time (days)",
      "fact.service_hours": "Service hours (as the bot says them)",
      "fact.service_phone": "Service phone",
      "fact.warranty_months": "Warranty (months)",
      "fact.invoice_days": "Invoices within (days)",
      "fact.points_rate": "Loyalty points rate",
      "fact.price_protect_days": "Price protection (days)",
      "fact.return_address": "Return address",
      "fact.remote_areas": "Remote areas",
      "set.handoff.title": "Handoff to a person",
      "set.handoff.sub": "When the bot passes a customer to a person. With nobody online (with the workspace open), or outside service hours, the bot asks the customer to leave a message.",
      "set.handoff.customer_asks": "Hand over at once when the customer asks for a person (words or the button)",
      "set.handoff.on_anger": "Hand over at once when the customer is angry",
      "set.handoff.on_flow_failure": "Hand over when a self-service flow cannot finish (order system down, verification failed)",
      "set.handoff.not_understood_in_row": "Hand over after this many not-understood messages in a row",
      "set.handoff.anxious_in_row": "Hand over after this many anxious messages in a row",
      "set.handoff.countHint": "0 means never; at most 20.",
      "set.handoff.vip_tags": "VIP tags",
      "set.handoff.vipHint": "Customers with any of these tags go to a person at their first message. Separate tags with commas.",
      "set.handoff.badCount": "A count is a whole number from 0 to 20.",
      "set.handoff.max_wait_minutes": "Longest wait in the queue (minutes)",
      "set.handoff.maxWaitHint": "A customer no agent has taken after this long is offered to keep waiting or leave a message. 0 means no limit; at most 240.",
      "set.handoff.badWait": "The wait is a whole number of minutes from 0 to 240.",
      "set.hours.title": "Service hours",
      "set.hours.sub": "Outside service hours the bot does not hand over; it asks the customer to leave a message.",
      "set.hours.always": "Always staffed",
      "set.hours.set": "Only at these times",
      "set.hours.days": "Days",
      "set.hours.day.0": "Mon",
      "set.hours.day.1": "Tue",
      "set.hours.day.2": "Wed",
      "set.hours.day.3": "Thu",
      "set.hours.day.4": "Fri",
      "set.hours.day.5": "Sat",
      "set.hours.day.6": "Sun",
      "set.hours.open": "Opens",
      "set.hours.close": "Closes",
      "set.hours.timezone": "Time zone",
      "set.hours.closeHint": "A closing time before the opening time runs overnight (e.g. 20:00–02:00). The hours the bot mentions in replies are a shop fact above.",
      "set.hours.noDays": "Choose at least one day.",
      "set.hours.badTime": "Enter the opening and closing times.",
      "set.hours.noZone": "Enter a time zone, e.g. Asia/Shanghai.",
      "set.commerce.title": "Order system",
      "set.commerce.sub": "Where the bot reads orders when it looks them up, tracks parcels, changes addresses or opens returns.",
      "set.commerce.builtin": "The built-in store",
      "set.commerce.manage": "manage it under Store",
      "set.commerce.own": "The shop's own order system",
      "set.commerce.url": "Base URL",
      "set.commerce.urlHint": "Starts with https://; kefu appends paths such as /orders. The contract is in docs/commerce-contract.md.",
      "set.commerce.secret": "Shared secret",
      "set.commerce.secretHint": "kefu signs every request with it (HMAC-SHA256); use 32 or more random characters, no spaces.",
      "set.commerce.urlRequired": "Enter the order system's base URL.",
      "set.commerce.badUrl": "The base URL must start with http:// or https://.",
      "set.commerce.badSecret": "The shared secret uses printable ASCII characters only, without spaces.",

      "nav.try": "Test bot",
      "nav.learn": "Unanswered",
      "nav.reports": "Reports",
      "title.reports": "Reports · kefu console",
      "nav.audit": "Audit log",
      "title.audit": "Audit log · kefu console",
      "audit.locked": "An account was locked for a while after too many failed logins (in the last 24 hours).",
      "audit.lockedLink": "See the audit log",
      "title.try": "Test the bot · kefu console",
      "channel.test": "Test",
      "try.title": "Test the bot",
      "try.sub": "Chat with the bot as a customer and see, beside each reply, what it recognised: the knowledge point and its score, the other candidates, the flow and what it has collected, entities such as order numbers, the emotion and any handoff reason.",
      "try.readonly": "Only the shop's owner and admins can test the bot.",
      "try.who": "Chat as",
      "try.anon": "Anonymous visitor",
      "try.known": "Signed-in customer",
      "try.customerId": "Customer id",
      "try.customerPh": "Customer id, e.g. demo-customer",
      "try.needCustomer": "Enter a customer id (the shop's own id for the customer, e.g. demo-customer) or choose anonymous visitor.",
      "try.locale": "Language",
      "try.new": "New conversation",
      "try.hint": "Press “New conversation” to start. A test conversation goes through the same steps as a customer's but never reaches the agents' queue or the conversation list.",
      "try.current": "Conversation #{id} · {who} · {lang}. Test conversations never reach the agents' queue.",
      "try.closed": "This conversation has ended; start a new one.",
      "try.asVisitor": "anonymous visitor",
      "try.asCustomer": "customer {id}",
      "try.lang.zh": "Chinese",
      "try.lang.en": "English",
      "try.empty": "No test conversation yet. Choose who to be and the language, press “New conversation”, then ask as a customer would, e.g. “When will my order ship?” or “D1003 到哪了”.",
      "try.say": "Write as the customer",
      "try.textPh": "Type as a customer would, e.g. where is my order D1003",
      "try.send": "Send",
      "try.sendHint": "Enter sends, Shift+Enter starts a new line. Pressing a button in a reply is the same as the customer pressing it.",
      "try.asButton": "pressed a button",
      "try.image": "Image",
      "try.link": "Link",
      "try.yes": "yes",
      "try.no": "no",
      "try.trace": "What the bot recognised",
      "try.noTrace": "The bot did not handle this message.",
      "try.noTraceHandoff": "The customer pressed “Talk to a person”: a test conversation only records it and never enters the queue.",
      "try.outcome.answer": "Answered",
      "try.outcome.clarify": "Asked to clarify",
      "try.outcome.fallback": "Not understood",
      "try.outcome.smalltalk": "Small talk",
      "try.outcome.flow": "Self-service flow",
      "try.outcome.handoff": "Handoff",
      "try.outcome.silent": "No reply",
      "try.outcome.none": "Nothing recognised",
      "try.point": "Knowledge point",
      "try.flow": "Flow",
      "try.slots": "Collected",
      "try.asking": "asking for: {slot}",
      "try.entities": "Found",
      "try.emotion": "Emotion",
      "try.counted": "counts for the handoff policy",
      "try.notCounted": "not counted (no words)",
      "try.notCountedButton": "not counted (a button)",
      "try.smalltalk": "Small talk",
      "try.handoff": "Handoff reason",
      "try.candidates": "Candidate knowledge points",
      "try.flowCandidates": "Candidate flows",
      "try.flowStatus.asking": "waiting for the customer",
      "try.flowStatus.unparsed": "reply not understood",
      "try.flowStatus.done": "done",
      "try.flowStatus.cancelled": "cancelled",
      "try.flowStatus.failed": "failed",
      "try.flowStatus.paused": "paused",
      "try.slot.order_no": "order",
      "try.slot.phone": "phone",
      "try.slot.confirmed": "confirmation",
      "try.slot.reason": "reason",
      "try.slot.address": "address",
      "try.slot.contact": "contact",
      "try.slot.question": "question",
      "try.slot.kind": "kind",
      "try.slot.skus": "items",
      "try.entity.order_no": "order",
      "try.entity.phone": "phone",
      "try.entity.amount": "amount",
      "try.entity.date": "date",
      "try.entity.products": "products",
      "try.small.are_you_bot": "asked if it is a bot",
      "try.small.greeting": "greeting",
      "try.small.thanks": "thanks",
      "try.small.goodbye": "goodbye",

      "conv.tabs": "Conversation sections",
      "conv.tab.list": "All conversations",
      "conv.tab.left": "Left messages",
      "handoff.title": "Handoff details",
      "handoff.reason": "Reason",
      "handoff.intent": "Customer wanted",
      "handoff.emotion": "Mood",
      "handoff.order": "Order",
      "handoff.priority": "Queue priority",
      "handoff.queued": "Queued",
      "handoff.summary": "The conversation before the handoff",
      "handoff.reason.customer_asked": "The customer asked for a person",
      "handoff.reason.customer_button": "The customer pressed “Talk to a person”",
      "handoff.reason.not_understood": "The bot did not understand, several times",
      "handoff.reason.angry": "The customer is angry",
      "handoff.reason.anxious": "The customer is anxious",
      "handoff.reason.flow_failed": "A self-service flow could not finish",
      "handoff.reason.vip": "VIP customer",
      "priority.0": "Normal",
      "priority.1": "Raised",
      "priority.2": "Highest",
      "emotion.angry": "Angry",
      "emotion.anxious": "Anxious",
      "emotion.neutral": "Calm",
      "emotion.positive": "Happy",
      "left.title": "Left messages",
      "left.sub": "Contacts and questions customers left when nobody was online or outside service hours. Mark them handled once you have got back to the customer.",
      "left.filter": "Filter by follow-up",
      "left.pending": "To follow up",
      "left.handled": "Handled",
      "left.contact": "Contact",
      "left.text": "Message",
      "left.context": "Handoff details",
      "left.at": "Left {t}",
      "left.handledAt": "Handled {t}",
      "left.markHandled": "Mark handled",
      "left.done": "Marked handled",
      "left.openConv": "Open conversation",
      "left.empty": "No messages to follow up.",
      "left.emptyHandled": "No handled messages yet."
    }
  };

  // --- language ---------------------------------------------------------------------------------

  function readStoredLang() {
    try {
      var v = localStorage.getItem(LANG_KEY);
      return v === "zh" || v === "en" ? v : null;
    } catch (e) {
      return null;
    }
  }

  function browserLang() {
    var langs = navigator.languages && navigator.languages.length ? navigator.languages : [navigator.language || ""];
    return /^zh/i.test(langs[0] || "") ? "zh" : "en";
  }

  var lang = readStoredLang() || browserLang();
  var langListeners = [];

  function t(key, vars) {
    var table = STRINGS[lang] || STRINGS.zh;
    var s = Object.prototype.hasOwnProperty.call(table, key) ? table[key] : (STRINGS.en[key] || key);
    if (vars) {
      s = s.replace(/\{(\w+)\}/g, function (m, name) {
        return Object.prototype.hasOwnProperty.call(vars, name) ? String(vars[name]) : m;
      });
    }
    return s;
  }

  function has(key) {
    return Object.prototype.hasOwnProperty.call(STRINGS[lang] || {}, key);
  }

  /** Fill data-i18n (text), data-i18n-placeholder, data-i18n-aria-label and data-i18n-title attributes. */
  function applyI18n(root) {
    root = root || document;
    document.documentElement.lang = lang === "zh" ? "zh-CN" : "en";
    var nodes = root.querySelectorAll("[data-i18n]");
    for (var i = 0; i < nodes.length; i++) nodes[i].textContent = t(nodes[i].getAttribute("data-i18n"));
    [["data-i18n-placeholder", "placeholder"], ["data-i18n-aria-label", "aria-label"], ["data-i18n-title", "title"]]
      .forEach(function (pair) {
        var list = root.querySelectorAll("[" + pair[0] + "]");
        for (var j = 0; j < list.length; j++) list[j].setAttribute(pair[1], t(list[j].getAttribute(pair[0])));
      });
    var titleKey = document.body && document.body.getAttribute("data-title");
    if (titleKey) document.title = t(titleKey);
    var toggles = document.querySelectorAll(".lang-toggle [data-l]");
    for (var k = 0; k < toggles.length; k++) {
      toggles[k].classList.toggle("is-on", toggles[k].getAttribute("data-l") === lang);
    }
  }

  function setLang(next) {
    if (next !== "zh" && next !== "en") return;
    lang = next;
    try { localStorage.setItem(LANG_KEY, next); } catch (e) { /* private mode: just not remembered */ }
    applyI18n(document);
    langListeners.forEach(function (fn) { fn(lang); });
  }

  function onLangChange(fn) { langListeners.push(fn); }

  /** A 中/EN button; clicking it switches the language. */
  function langToggle() {
    var b = el("button", { type: "button", className: "lang-toggle", id: "lang-toggle",
      "data-i18n-aria-label": "lang.switch", "aria-label": t("lang.switch") }, [
      el("span", { "data-l": "zh", text: "中" }),
      el("span", { className: "sep", "aria-hidden": "true", text: "/" }),
      el("span", { "data-l": "en", text: "EN" })
    ]);
    b.addEventListener("click", function () { setLang(lang === "zh" ? "en" : "zh"); });
    return b;
  }

  // --- DOM --------------------------------------------------------------------------------------

  /**
   * el("div", {className, text, id, dataset-like "data-x", on: {click: fn}}, [children])
   * `text` is set with textContent, so user text can never become markup.
   */
  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    attrs = attrs || {};
    Object.keys(attrs).forEach(function (name) {
      var value = attrs[name];
      if (value === undefined || value === null || value === false) return;
      if (name === "text") node.textContent = String(value);
      else if (name === "className") node.className = value;
      else if (name === "on") Object.keys(value).forEach(function (ev) { node.addEventListener(ev, value[ev]); });
      else if (name === "hidden") node.hidden = !!value;
      else if (name === "disabled") node.disabled = !!value;
      else if (name === "checked") node.checked = !!value;
      else if (name === "value") node.value = value;
      else node.setAttribute(name, value === true ? "" : String(value));
    });
    (children || []).forEach(function (c) {
      if (c === null || c === undefined || c === false) return;
      node.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
    });
    return node;
  }

  function clear(node) {
    while (node.firstChild) node.removeChild(node.firstChild);
    return node;
  }

  function $(sel, root) { return (root || document).querySelector(sel); }

  var toastTimer = null;
  function toast(message, isError) {
    var node = $("#toast");
    if (!node) {
      node = el("div", { id: "toast", className: "toast", role: "status", "aria-live": "polite" });
      document.body.appendChild(node);
    }
    node.textContent = message;
    node.classList.toggle("is-error", !!isError);
    node.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(function () { node.hidden = true; }, isError ? 6000 : 2600);
  }

  /** A modal confirm built from DOM nodes; resolves true when confirmed. */
  function confirmDialog(opts) {
    return new Promise(function (resolve) {
      var dlg = el("dialog", { className: "dialog-sm", id: "confirm-dialog" });
      var ok = el("button", { type: "button", id: "confirm-ok",
        className: opts.danger ? "btn btn-danger-solid" : "btn btn-primary", text: opts.ok || t("common.confirm") });
      var cancel = el("button", { type: "button", id: "confirm-cancel", className: "btn", text: t("common.cancel") });
      dlg.appendChild(el("div", { className: "dialog-head" }, [el("h2", { text: opts.title })]));
      dlg.appendChild(el("div", { className: "dialog-body" }, [el("p", { text: opts.body || "" })]));
      dlg.appendChild(el("div", { className: "dialog-foot" }, [cancel, ok]));
      document.body.appendChild(dlg);
      var answered = false;
      function done(value) {
        if (answered) return;
        answered = true;
        if (dlg.open) dlg.close();
        dlg.remove();
        resolve(value);
      }
      ok.addEventListener("click", function () { done(true); });
      cancel.addEventListener("click", function () { done(false); });
      dlg.addEventListener("cancel", function () { done(false); });
      dlg.showModal();
      cancel.focus();
    });
  }

  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text).catch(function () { return legacyCopy(text); });
    }
    return legacyCopy(text);
  }

  function legacyCopy(text) {
    return new Promise(function (resolve, reject) {
      var ta = el("textarea", { value: text, readonly: true, style: "position:fixed;top:-1000px;opacity:0" });
      document.body.appendChild(ta);
      ta.select();
      var ok = false;
      try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
      ta.remove();
      if (ok) resolve(); else reject(new Error("copy failed"));
    });
  }

  /** A copy button for the text returned by getText(). */
  function copyButton(getText, id) {
    var b = el("button", { type: "button", className: "btn btn-sm", id: id, "data-i18n": "common.copy",
      text: t("common.copy") });
    b.addEventListener("click", function () {
      copyText(getText()).then(function () {
        b.textContent = t("common.copied");
        setTimeout(function () { b.textContent = t("common.copy"); }, 1600);
      }, function () { toast(t("common.copyFailed"), true); });
    });
    return b;
  }

  function debounce(fn, ms) {
    var timer = null;
    return function () {
      var args = arguments, self = this;
      clearTimeout(timer);
      timer = setTimeout(function () { fn.apply(self, args); }, ms);
    };
  }

  // --- time -------------------------------------------------------------------------------------

  function parseTime(iso) {
    if (!iso) return null;
    // The API's times are UTC; a value without an offset (SQLite drops it) is still UTC.
    var s = /([zZ]|[+-]\d\d:?\d\d)$/.test(iso) ? iso : iso + "Z";
    var d = new Date(s);
    return isNaN(d.getTime()) ? null : d;
  }

  function formatTime(iso) {
    var d = parseTime(iso);
    if (!d) return "";
    var now = new Date();
    var sameDay = d.toDateString() === now.toDateString();
    var locale = lang === "zh" ? "zh-CN" : "en-GB";
    var time = d.toLocaleTimeString(locale, { hour: "2-digit", minute: "2-digit" });
    if (sameDay) return time;
    var opts = { month: "short", day: "numeric" };
    if (d.getFullYear() !== now.getFullYear()) opts.year = "numeric";
    return d.toLocaleDateString(locale, opts) + " " + time;
  }

  function fullTime(iso) {
    var d = parseTime(iso);
    return d ? d.toLocaleString(lang === "zh" ? "zh-CN" : "en-GB") : "";
  }

  // --- API --------------------------------------------------------------------------------------

  function ApiError(status, code, message, details) {
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.message = message;
    this.details = details || null;
  }
  ApiError.prototype = Object.create(Error.prototype);
  ApiError.prototype.constructor = ApiError;

  function loginUrl() {
    var here = location.pathname + location.search;
    return "/admin/login?next=" + encodeURIComponent(here);
  }

  /**
   * api("GET", "/knowledge", null, {noRedirect}) → parsed JSON (or null for 204).
   * Throws ApiError(status, code, message); on 401 it first sends the browser to the login page.
   */
  function api(method, path, body, opts) {
    opts = opts || {};
    var init = { method: method, credentials: "same-origin", headers: { "Accept": "application/json" } };
    if (body !== undefined && body !== null) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    return fetch("/api/v1" + path, init).then(function (res) {
      if (res.status === 204) return null;
      return res.text().then(function (text) {
        var data = null;
        try { data = text ? JSON.parse(text) : null; } catch (e) { data = null; }
        if (res.ok) return data;
        var err = data && data.error ? data.error : {};
        var apiErr = new ApiError(res.status, err.code || "http_" + res.status,
          err.message || t("err.generic", { status: res.status }), err.details);
        if (res.status === 401 && !opts.noRedirect) {
          location.assign(loginUrl());
        }
        throw apiErr;
      });
    }, function () {
      throw new ApiError(0, "network", t("err.network"));
    });
  }

  /**
   * A readable message for an error. The server's messages are English: English users get them as they are;
   * Chinese users get the localised meaning of the error code first, then the server's words.
   */
  function errorText(err) {
    if (!err) return "";
    if (!(err instanceof ApiError)) return String(err.message || err);
    if (err.code === "network") return err.message;
    var server = err.message || "";
    var key = "err.code." + err.code;
    if (lang === "en" || !has(key)) {
      return server ? server.charAt(0).toUpperCase() + server.slice(1) : t("err.generic", { status: err.status });
    }
    var local = t(key);
    return server ? local + "：" + server : local;
  }

  /** Show an error in a box (or hide the box when err is null). */
  function showError(box, err) {
    if (!box) return;
    if (!err) {
      box.hidden = true;
      box.textContent = "";
      return;
    }
    box.textContent = typeof err === "string" ? err : errorText(err);
    box.hidden = false;
  }

  // --- navigation -------------------------------------------------------------------------------

  var SECTIONS = [
    ["knowledge", "/admin/knowledge", "nav.knowledge"],
    ["packs", "/admin/packs", "nav.packs"],
    ["conversations", "/admin/conversations", "nav.conversations"],
    ["store", "/admin/store", "nav.store"],
    ["flows", "/admin/flows", "nav.flows"],
    ["try", "/admin/try", "nav.try"],
    ["learn", "/admin/learn", "nav.learn"],
    ["reports", "/admin/reports", "nav.reports"],
    ["workspace", "/workspace", "nav.workspace"],
    ["settings", "/admin/settings", "nav.settings"],
    ["audit", "/admin/audit", "nav.audit", "owner"]  // a fourth item: only people of that role see the link
  ];

  function renderNav(me, section) {
    var header = $("#topnav");
    if (!header) return;
    clear(header);
    header.className = "topnav";
    var shop = me.tenant ? me.tenant.name : "";
    header.appendChild(el("a", { className: "brand", href: "/admin/knowledge" }, [
      el("span", { className: "brand-mark", "aria-hidden": "true", text: "客" }),
      el("span", { className: "brand-text" }, [
        el("span", { className: "brand-name", "data-i18n": "brand", text: t("brand") }),
        el("span", { className: "brand-shop", id: "nav-shop", text: shop, title: shop })
      ])
    ]));
    var links = el("nav", { className: "navlinks", "data-i18n-aria-label": "nav.sections",
      "aria-label": t("nav.sections") });
    SECTIONS.forEach(function (s) {
      if (s[3] && me.user.role !== s[3]) return;
      links.appendChild(el("a", { href: s[1], id: "nav-" + s[0], "data-i18n": s[2], text: t(s[2]),
        "aria-current": s[0] === section ? "page" : null }));
    });
    header.appendChild(links);
    // On narrow screens the section links scroll sideways: keep the current one in view.
    var current = links.querySelector('[aria-current="page"]');
    if (current) {
      requestAnimationFrame(function () {
        if (links.scrollWidth > links.clientWidth) {
          links.scrollLeft = Math.max(0, current.offsetLeft - links.offsetLeft - 8);
        }
      });
    }
    var logout = el("button", { type: "button", id: "logout", className: "btn btn-sm btn-ghost",
      "data-i18n": "nav.logout", text: t("nav.logout") });
    logout.addEventListener("click", function () {
      logout.disabled = true;
      api("POST", "/auth/logout", null, { noRedirect: true }).catch(function () { /* leave anyway */ })
        .then(function () { location.assign("/admin/login"); });
    });
    // A page that shows the status elsewhere (the workspace's left column) gives it a #status-slot.
    var slot = $("#status-slot");
    if (slot) clear(slot).appendChild(statusPicker(me.user));
    header.appendChild(el("div", { className: "navright" }, [
      slot ? null : statusPicker(me.user),
      langToggle(),
      el("div", { className: "user" }, [
        el("span", { className: "user-name", id: "nav-user", text: me.user.name || me.user.email,
          title: me.user.email }),
        el("span", { className: "user-role", "data-i18n": "role." + me.user.role, text: t("role." + me.user.role) })
      ]),
      logout
    ]));
    applyI18n(header);
  }

  var AGENT_STATUSES = ["online", "busy", "away", "offline"];

  /** Whether the logged-in person takes chats now: a select in the header that saves at once. */
  function statusPicker(user) {
    var current = AGENT_STATUSES.indexOf(user.status) >= 0 ? user.status : "offline";
    var select = el("select", { className: "status-select", id: "agent-status",
      "data-i18n-aria-label": "agent.status", "aria-label": t("agent.status") });
    AGENT_STATUSES.forEach(function (s) {
      select.appendChild(el("option", { value: s, "data-i18n": "agent.status." + s, text: t("agent.status." + s) }));
    });
    select.value = current;
    var wrap = el("label", { className: "status-pick", "data-status": current, "data-i18n-title": "agent.status.hint",
      title: t("agent.status.hint") }, [el("span", { className: "status-dot", "aria-hidden": "true" }), select]);
    select.addEventListener("change", function () {
      var next = select.value;
      wrap.setAttribute("data-status", next);
      select.disabled = true;
      api("PUT", "/auth/me/status", { status: next }).then(function (u) {
        current = u.status;
        if (me) me.user.status = u.status;
        toast(t("agent.status.saved", { s: t("agent.status." + current) }));
      }, function (err) {
        toast(errorText(err), true);
      }).then(function () {
        select.value = current;
        wrap.setAttribute("data-status", current);
        select.disabled = false;
      });
    });
    return wrap;
  }

  /** Show a status the server reports (e.g. set offline after the workspace was gone), without saving it. */
  function showStatus(status) {
    if (AGENT_STATUSES.indexOf(status) < 0) return;
    if (me) me.user.status = status;
    var select = $("#agent-status");
    if (!select || select.disabled) return;
    select.value = status;
    var wrap = select.closest(".status-pick");
    if (wrap) wrap.setAttribute("data-status", status);
  }

  var me = null;

  /** Check the login, draw the navigation; resolves with /auth/me (never resolves when redirecting). */
  function boot(section) {
    applyI18n(document);
    return api("GET", "/auth/me").then(function (data) {
      me = data;
      renderNav(data, section);
      if (data.user.role === "owner") lockNotice(section);
      return data;
    }, function (err) {
      if (err.status === 401) return new Promise(function () { /* redirecting to the login page */ });
      var main = $("main");
      if (main) {
        clear(main);
        main.appendChild(el("div", { className: "alert alert-error", role: "alert", text: errorText(err) }));
      }
      throw err;
    });
  }

  /** Tell the owner, on any console page, that an account was locked after failed logins in the last day. */
  function lockNotice(section) {
    var since = new Date(Date.now() - 86400000).toISOString();
    api("GET", "/audit?action=login_locked&limit=1&since=" + encodeURIComponent(since), null,
      { noRedirect: true }).then(function (page) {
      var main = $("main");
      if (!page.items.length || !main || section === "audit") return;
      main.insertBefore(el("div", { className: "alert alert-warn", id: "lock-notice", role: "status" }, [
        el("span", { "data-i18n": "audit.locked", text: t("audit.locked") }),
        el("a", { href: "/admin/audit?action=login_locked", "data-i18n": "audit.lockedLink",
          text: t("audit.lockedLink") })
      ]), main.firstChild);
    }, function () { /* the notice is a courtesy; the page works without it */ });
  }

  function isAdmin() {
    return !!me && (me.user.role === "owner" || me.user.role === "admin");
  }

  // --- shared renderers (conversations, workspace, store) ---------------------------------------------

  /** A translated label, or the raw value when the console has no words for it. */
  function label(prefix, value) {
    var s = t(prefix + value);
    return s === prefix + value ? String(value) : s;
  }

  /** A coloured status badge: badge("status", "queued"), badge("order.status", "paid"). */
  function badge(kind, status) {
    return el("span", { className: "badge badge-" + status, "data-status": status, text: label(kind + ".", status) });
  }

  function emotionBadge(emotion) {
    return el("span", { className: "badge badge-emotion badge-" + emotion, "data-emotion": emotion,
      text: label("emotion.", emotion) });
  }

  // Flow names for the intent the bot recorded ("track_parcel" → 查物流); a knowledge question stays as it is.
  var flowNamesLoad = null;
  var flowNameTable = {};
  function loadFlowNames() {
    if (!flowNamesLoad) {
      flowNamesLoad = api("GET", "/flows").then(function (list) {
        list.forEach(function (f) { flowNameTable[f.id] = f.name; });
        return flowNameTable;
      }, function () { return flowNameTable; });
    }
    return flowNamesLoad;
  }

  function intentName(intent) {
    var n = flowNameTable[intent];
    return n ? n[lang] || n.zh || intent : intent;
  }

  /** What the bot passed on at a handoff: reason, intent, emotion, order, queue, the last exchanges. */
  function handoffDetails(h) {
    var kv = el("dl", { className: "kv handoff-kv" });
    function row(key, value, cls) {
      if (value === null || value === undefined || value === "") return;
      kv.appendChild(el("dt", { text: t(key) }));
      kv.appendChild(el("dd", { className: cls }, [value]));
    }
    row("handoff.reason", h.reason ? label("handoff.reason.", h.reason) : "", "handoff-reason");
    row("handoff.intent", h.intent ? intentName(h.intent) : "", "handoff-intent");
    row("handoff.emotion", h.emotion ? emotionBadge(h.emotion) : null, "handoff-emotion");
    row("handoff.order", h.order_no ? el("a", { href: "/admin/store?order=" + encodeURIComponent(h.order_no),
      text: h.order_no }) : null, "handoff-order");
    if (h.priority) {
      row("handoff.priority", el("span", { className: "badge badge-prio-" + h.priority,
        text: label("priority.", String(h.priority)) }), "handoff-priority");
    }
    if (h.queued_at) {
      row("handoff.queued", el("time", { datetime: h.queued_at, title: fullTime(h.queued_at),
        text: formatTime(h.queued_at) }), "handoff-queued");
    }
    var out = [kv];
    if (h.summary) {
      out.push(el("span", { className: "handoff-summary-label", text: t("handoff.summary") }));
      out.push(el("div", { className: "handoff-summary", text: h.summary }));
    }
    return out;
  }

  /** One message of a transcript as staff see it: who, when, the text, the buttons the bot offered. */
  function messageNode(m) {
    var meta = el("div", { className: "msg-meta" }, [
      el("span", { className: "msg-kind", text: t("sender." + m.sender) })
    ]);
    if (m.sender_name) meta.appendChild(el("span", { className: "msg-name", text: m.sender_name }));
    if (m.sender === "customer" && (m.emotion === "angry" || m.emotion === "anxious")) {
      meta.appendChild(emotionBadge(m.emotion));
    }
    meta.appendChild(el("time", { className: "msg-time", datetime: m.created_at, title: fullTime(m.created_at),
      text: formatTime(m.created_at) }));
    var p = m.payload;
    var attachment = p && p.type === "attachment" ? attachmentNode(p) : null;
    var cards = productCardsNode(p);
    var node = el("div", { className: "msg", "data-sender": m.sender, "data-id": m.id }, [
      meta,
      cards ? (p.intro ? el("div", { className: "msg-text", text: String(p.intro) }) : null)
        : attachment || el("div", { className: "msg-text", text: m.text }),
      cards
    ]);
    if (p && p.type === "buttons" && Array.isArray(p.buttons) && p.buttons.length) {
      var box = el("div", { className: "msg-buttons" }, [el("span", { className: "chip-label", text: t("conv.buttons") })]);
      p.buttons.forEach(function (b) {
        box.appendChild(el("span", { className: "chip", text: String((b && (b.label || b.value)) || "") }));
      });
      node.appendChild(box);
    }
    return node;
  }

  /** Product card(s) as sent: rendered from the message's own snapshot, so a deleted product still shows. */
  function productCardsNode(p) {
    if (!p) return null;
    var items = p.type === "product" && p.product ? [p.product] : p.type === "products" && Array.isArray(p.items) ? p.items : [];
    items = items.filter(function (c) { return c && typeof c === "object"; }).slice(0, 10);
    if (!items.length) return null;
    var http = function (u) { return typeof u === "string" && /^https?:\/\//i.test(u) ? u : null; };
    var text = function (v) { return typeof v === "string" ? v : ""; };
    return el("div", { className: "msg-cards" }, items.map(function (c) {
      var stock = ["in_stock", "low", "out_of_stock"].indexOf(c.stock) >= 0 ? c.stock : "in_stock";
      var url = http(c.url);
      var title = url ? el("a", { className: "msg-card-title", href: url, target: "_blank", rel: "noopener noreferrer",
        text: text(c.title) }) : el("span", { className: "msg-card-title", text: text(c.title) });
      return el("div", { className: "msg-card", "data-sku": text(c.sku) }, [
        http(c.image) ? el("img", { className: "msg-card-img", src: http(c.image), alt: "", loading: "lazy",
          on: { error: function (e) { e.target.remove(); } } }) : null,  // a picture that fails is left out
        el("div", { className: "msg-card-body" }, [
          title,
          el("div", { className: "msg-card-line" }, [
            el("span", { className: "msg-card-price", text: text(c.price) }),
            el("span", { className: "msg-card-stock msg-card-stock--" + stock, text: text(c.stock_label) }),
            el("span", { className: "msg-card-sku", text: text(c.sku) })
          ]),
          text(c.reason) ? el("div", { className: "msg-card-reason", text: text(c.reason) }) : null
        ])
      ]);
    }));
  }

  /** A customer's photo as a thumbnail that opens full size, or a file as a download; kefu's own URLs only. */
  function attachmentNode(p) {
    var url = typeof p.url === "string" && /^\/api\/v1\/attachments\/\d+$/.test(p.url) ? p.url : null;
    var name = typeof p.name === "string" ? p.name : "";
    if (!url) return el("div", { className: "msg-text", text: name });
    if (p.kind === "image") {
      var img = el("img", { className: "msg-image", src: url, alt: name || t("conv.image"), loading: "lazy" });
      if (p.width > 0 && p.height > 0) img.style.aspectRatio = p.width + " / " + p.height;
      return el("a", { className: "msg-text msg-attachment msg-attachment-image", href: url, target: "_blank",
        rel: "noopener", title: t("conv.imageOpen") }, [img]);
    }
    var size = typeof p.size !== "number" ? "" : p.size < 1048576 ? " (" + Math.max(1, Math.round(p.size / 1024)) + " KB)"
      : " (" + Math.round(p.size / 104857.6) / 10 + " MB)";
    return el("a", { className: "msg-text msg-attachment msg-attachment-file", href: url, download: name,
      title: t("conv.file") }, ["📄 ", el("span", { className: "msg-file-name", text: name }), size]);
  }

  function money(cents) {
    var n = Math.round(Number(cents) || 0);
    var sign = n < 0 ? "-" : "";
    n = Math.abs(n);
    var fen = n % 100;
    return sign + "¥" + Math.floor(n / 100).toLocaleString("en-US") + "." + (fen < 10 ? "0" : "") + fen;
  }

  /** A parcel: carrier and tracking number, its status, and its tracking events newest first. */
  function shipmentNode(s) {
    var node = el("div", { className: "shipment", "data-tracking": s.tracking_no }, [
      el("div", { className: "shipment-head" }, [
        el("strong", { className: "shipment-title", text: t("ship.tracking", { carrier: s.carrier, no: s.tracking_no }) }),
        badge("ship.status", s.status),
        s.expected_delivery && s.status !== "delivered"
          ? el("span", { className: "muted small", text: t("ship.eta", { t: formatTime(s.expected_delivery) }) }) : null
      ])
    ]);
    var events = (s.events || []).slice().reverse(); // newest first
    if (!events.length) {
      node.appendChild(el("p", { className: "muted small", style: "margin:0", text: t("ship.noEvents") }));
      return node;
    }
    var ol = el("ol", { className: "timeline" });
    events.forEach(function (e, i) {
      ol.appendChild(el("li", { className: "tracking-event" + (i === 0 ? " is-latest" : "") }, [
        el("div", { className: "ev-desc", text: e.description }),
        el("div", { className: "ev-meta" }, [
          el("time", { datetime: e.time, title: fullTime(e.time), text: formatTime(e.time) }),
          e.location ? " · " + e.location : null
        ])
      ]));
    });
    node.appendChild(ol);
    return node;
  }

  window.KefuAdmin = {
    t: t,
    lang: function () { return lang; },
    setLang: setLang,
    onLangChange: onLangChange,
    applyI18n: applyI18n,
    langToggle: langToggle,
    el: el,
    clear: clear,
    $: $,
    toast: toast,
    confirmDialog: confirmDialog,
    copyText: copyText,
    copyButton: copyButton,
    debounce: debounce,
    formatTime: formatTime,
    fullTime: fullTime,
    parseTime: parseTime,
    api: api,
    ApiError: ApiError,
    errorText: errorText,
    showError: showError,
    boot: boot,
    isAdmin: isAdmin,
    me: function () { return me; },
    showStatus: showStatus,
    label: label,
    badge: badge,
    emotionBadge: emotionBadge,
    loadFlowNames: loadFlowNames,
    intentName: intentName,
    handoffDetails: handoffDetails,
    messageNode: messageNode,
    money: money,
    shipmentNode: shipmentNode
  };
})();
