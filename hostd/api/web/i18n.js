/*
 * i18n.js — every word the kiosk screen shows, in Vietnamese (first) and
 * English. app.js never contains user-visible text; a key missing here is a
 * bug, and tests/browser/screen-run.mjs checks both tables have the same keys.
 *
 * Placeholders are written {name} and filled by app.js.
 * The consent text is versioned: the daemon names the version it wants
 * ("text_version") and the page echoes the same version back when the
 * citizen answers, so the text shown is the text agreed to. A new wording is
 * a new version here, never an edit of an old one.
 */
(function () {
  'use strict';

  const vi = {
    'app.title': 'Xác thực thẻ căn cước',
    'lang.vi': 'Tiếng Việt',
    'lang.en': 'English',
    'lang.group': 'Ngôn ngữ',
    'progress': 'Bước {step}/{steps}',
    'banner.reconnecting': 'Đang kết nối lại…',
    'banner.reloading': 'Đang tải lại màn hình…',
    'button.cancel': 'Hủy',
    'button.accept': 'Đồng ý',
    'button.decline': 'Không đồng ý',
    'button.sending': 'Đang gửi…',
    'error.send': 'Chưa gửi được lựa chọn của bạn. Vui lòng chạm lại.',
    'countdown': 'Màn hình sẽ trở về trang đầu sau {s} giây.',
    'take_card': 'Xin nhớ lấy lại thẻ căn cước của bạn.',

    'connecting.title': 'Đang khởi động…',
    'connecting.text': 'Vui lòng chờ trong giây lát.',

    'waiting.title': 'Vui lòng đặt thẻ căn cước lên đầu đọc',
    'waiting.text': 'Hoặc đưa mã QR trên thẻ vào ô quét trước, rồi đặt thẻ lên đầu đọc.',
    'waiting.privacy': 'Màn hình không hiển thị thông tin cá nhân của bạn.',

    'reading.title': 'Giữ nguyên thẻ trên đầu đọc',
    'reading.text': 'Đang đọc chip của thẻ. Vui lòng không nhấc thẻ ra.',

    'face.title': 'Nhìn vào camera',
    'face.text': 'Đứng yên và nhìn thẳng vào camera. Vui lòng bỏ khẩu trang, kính râm và mũ.',

    'liveness.blink': 'Hãy chớp mắt',
    'liveness.turn_left': 'Quay đầu sang trái',
    'liveness.turn_right': 'Quay đầu sang phải',
    'liveness.other': 'Làm theo hướng dẫn',
    'liveness.count': 'Thao tác {i} trên {n}',
    'liveness.text': 'Làm chậm rãi, sau đó nhìn thẳng lại vào camera.',

    'consent.title': 'Đồng ý xử lý dữ liệu cá nhân',
    'consent.version': 'Phiên bản nội dung: {version}',
    'consent.unknown': 'Máy chưa có nội dung đồng ý phiên bản {version}. Vui lòng báo cho nhân viên.',

    'storing.title': 'Đang lưu kết quả…',
    'storing.text': 'Vui lòng chờ trong giây lát.',

    'done.title.ok': 'Xác thực thành công',
    'done.title.review': 'Đã ghi nhận kết quả',
    'done.review': 'Một số bước chưa xác nhận được. Cán bộ sẽ kiểm tra thêm, vui lòng liên hệ nhân viên.',
    'check.verdict.genuine': 'Chip của thẻ hợp lệ',
    'check.verdict.not_genuine': 'Chip của thẻ không hợp lệ',
    'check.verdict.inconclusive': 'Chưa xác định được tính hợp lệ của chip',
    'check.face_match.match': 'Khuôn mặt khớp với ảnh trong chip',
    'check.face_match.no_match': 'Khuôn mặt không khớp với ảnh trong chip',
    'check.face_match.not_performed': 'Chưa so khớp khuôn mặt',
    'check.liveness.live': 'Đã xác nhận người thật',
    'check.liveness.not_live': 'Chưa xác nhận được người thật',
    'check.liveness.not_performed': 'Chưa kiểm tra người thật',

    'done.kiosk.record': 'Mã hồ sơ của bạn',
    'done.kiosk.next': 'Vui lòng đến quầy tiếp nhận hồ sơ và đọc mã này cho cán bộ.',
    'done.kiosk.counter': 'Vui lòng đến quầy số {counter} và đọc mã này cho cán bộ.',
    'done.kiosk.portal': 'Bạn cũng có thể tiếp tục thủ tục trên Cổng dịch vụ công bằng mã hồ sơ này.',
    'done.clinic.next': 'Thông tin đã được gửi đến quầy tiếp đón.',
    'done.clinic.then': 'Vui lòng đến quầy tiếp đón và chờ nhân viên gọi.',
    'done.driving-test.candidate': 'Số báo danh',
    'done.driving-test.checked_in': 'Đã điểm danh. Vui lòng chờ đến lượt thi.',
    'done.driving-test.already_checked_in': 'Bạn đã điểm danh trước đó. Vui lòng chờ đến lượt thi.',
    'done.driving-test.not_on_roster': 'Không có tên trong danh sách thi hôm nay. Vui lòng liên hệ hội đồng thi.',
    'done.driving-test.other': 'Vui lòng liên hệ cán bộ hội đồng thi.',
    'done.lodging.next': 'Thông tin lưu trú đã được gửi cho lễ tân.',
    'done.lodging.then': 'Vui lòng quay lại quầy lễ tân để hoàn tất nhận phòng.',
    'done.other.next': 'Vui lòng làm theo hướng dẫn của nhân viên.',

    'error.card_removed.title': 'Thẻ đã bị lấy ra',
    'error.card_removed.text': 'Thẻ đã được lấy ra trước khi hoàn tất.',
    'error.card_removed.todo': 'Vui lòng đặt lại thẻ lên đầu đọc và giữ yên cho đến khi có thông báo.',
    'error.access_denied.title': 'Không mở được chip của thẻ',
    'error.access_denied.text': 'Máy không mở được chip bằng thông tin trên thẻ.',
    'error.access_denied.todo': 'Vui lòng đưa mã QR trên thẻ vào ô quét, rồi đặt lại thẻ lên đầu đọc. Nếu vẫn không được, vui lòng báo cho nhân viên.',
    'error.not_genuine.title': 'Không xác thực được thẻ',
    'error.not_genuine.text': 'Chip của thẻ không vượt qua bước kiểm tra tính xác thực.',
    'error.not_genuine.todo': 'Vui lòng liên hệ nhân viên để được hỗ trợ.',
    'error.no_face.title': 'Chưa thấy khuôn mặt',
    'error.no_face.text': 'Camera chưa nhìn thấy rõ khuôn mặt của bạn.',
    'error.no_face.todo': 'Vui lòng đứng đối diện camera, bỏ khẩu trang, kính râm, mũ và đặt lại thẻ để làm lại.',
    'error.face_mismatch.title': 'Khuôn mặt không khớp',
    'error.face_mismatch.text': 'Khuôn mặt không khớp với ảnh trong chip của thẻ.',
    'error.face_mismatch.todo': 'Vui lòng liên hệ nhân viên để được hỗ trợ.',
    'error.liveness_failed.title': 'Chưa xác nhận được người thật',
    'error.liveness_failed.text': 'Máy chưa nhận ra đúng các thao tác được yêu cầu.',
    'error.liveness_failed.todo': 'Vui lòng đặt lại thẻ và làm theo hướng dẫn trên màn hình một cách chậm rãi.',
    'error.timeout.title': 'Đã hết thời gian',
    'error.timeout.text': 'Phiên xác thực đã kết thúc vì quá thời gian chờ.',
    'error.timeout.todo': 'Vui lòng đặt lại thẻ lên đầu đọc để bắt đầu lại.',
    'error.cancelled.title': 'Đã hủy',
    'error.cancelled.text': 'Phiên xác thực đã được hủy. Thông tin vừa đọc không được lưu lại.',
    'error.cancelled.todo': 'Bạn có thể bắt đầu lại bằng cách đặt thẻ lên đầu đọc.',
    'error.consent_refused.title': 'Bạn đã không đồng ý',
    'error.consent_refused.text': 'Thông tin vừa đọc không được lưu lại và không được gửi đi.',
    'error.consent_refused.todo': 'Bạn có thể làm thủ tục trực tiếp tại quầy với sự hỗ trợ của nhân viên.',
    'error.camera_unavailable.title': 'Camera đang gặp sự cố',
    'error.camera_unavailable.text': 'Máy hiện không sử dụng được camera.',
    'error.camera_unavailable.todo': 'Vui lòng báo cho nhân viên để được hỗ trợ.',
    'error.reader_unavailable.title': 'Đầu đọc thẻ đang gặp sự cố',
    'error.reader_unavailable.text': 'Máy hiện không kết nối được với đầu đọc thẻ.',
    'error.reader_unavailable.todo': 'Vui lòng báo cho nhân viên để được hỗ trợ.',
    'error.store_failed.title': 'Chưa lưu được kết quả',
    'error.store_failed.text': 'Máy chưa lưu được kết quả xác thực.',
    'error.store_failed.todo': 'Vui lòng báo cho nhân viên để được hỗ trợ.',
    'error.internal.title': 'Đã có lỗi xảy ra',
    'error.internal.text': 'Máy gặp lỗi trong quá trình xác thực.',
    'error.internal.todo': 'Vui lòng đặt lại thẻ để làm lại. Nếu vẫn lỗi, vui lòng báo cho nhân viên.'
  };

  const en = {
    'app.title': 'ID card verification',
    'lang.vi': 'Tiếng Việt',
    'lang.en': 'English',
    'lang.group': 'Language',
    'progress': 'Step {step} of {steps}',
    'banner.reconnecting': 'Reconnecting…',
    'banner.reloading': 'Reloading the screen…',
    'button.cancel': 'Cancel',
    'button.accept': 'I agree',
    'button.decline': 'I do not agree',
    'button.sending': 'Sending…',
    'error.send': 'Your choice could not be sent. Please tap again.',
    'countdown': 'This screen returns to the start in {s} seconds.',
    'take_card': 'Please remember to take your ID card.',

    'connecting.title': 'Starting…',
    'connecting.text': 'Please wait a moment.',

    'waiting.title': 'Please place your ID card on the reader',
    'waiting.text': 'Or first hold the QR code on the card to the scanner, then place the card on the reader.',
    'waiting.privacy': 'Your personal data is never shown on this screen.',

    'reading.title': 'Keep the card on the reader',
    'reading.text': 'Reading the card’s chip. Please do not lift the card.',

    'face.title': 'Look at the camera',
    'face.text': 'Stand still and look straight at the camera. Please remove face masks, sunglasses and hats.',

    'liveness.blink': 'Please blink',
    'liveness.turn_left': 'Turn your head to the left',
    'liveness.turn_right': 'Turn your head to the right',
    'liveness.other': 'Follow the instruction',
    'liveness.count': 'Action {i} of {n}',
    'liveness.text': 'Move slowly, then look straight at the camera again.',

    'consent.title': 'Consent to personal data processing',
    'consent.version': 'Text version: {version}',
    'consent.unknown': 'This kiosk does not have consent text version {version}. Please ask a member of staff.',

    'storing.title': 'Saving the result…',
    'storing.text': 'Please wait a moment.',

    'done.title.ok': 'Verification successful',
    'done.title.review': 'Result recorded',
    'done.review': 'Some checks could not be confirmed. Staff will check further; please ask a member of staff.',
    'check.verdict.genuine': 'The card’s chip is genuine',
    'check.verdict.not_genuine': 'The card’s chip is not genuine',
    'check.verdict.inconclusive': 'The chip could not be confirmed as genuine',
    'check.face_match.match': 'Your face matches the photo in the chip',
    'check.face_match.no_match': 'Your face does not match the photo in the chip',
    'check.face_match.not_performed': 'Face comparison not performed',
    'check.liveness.live': 'Live person confirmed',
    'check.liveness.not_live': 'Live person not confirmed',
    'check.liveness.not_performed': 'Live-person check not performed',

    'done.kiosk.record': 'Your record number',
    'done.kiosk.next': 'Please go to the reception counter and read this number to the officer.',
    'done.kiosk.counter': 'Please go to counter {counter} and read this number to the officer.',
    'done.kiosk.portal': 'You can also continue on the Public Services Portal with this record number.',
    'done.clinic.next': 'Your details have been sent to the reception desk.',
    'done.clinic.then': 'Please go to the reception desk and wait to be called.',
    'done.driving-test.candidate': 'Candidate number',
    'done.driving-test.checked_in': 'You are checked in. Please wait for your turn.',
    'done.driving-test.already_checked_in': 'You were already checked in. Please wait for your turn.',
    'done.driving-test.not_on_roster': 'You are not on today’s test list. Please contact the examination board.',
    'done.driving-test.other': 'Please contact an examination officer.',
    'done.lodging.next': 'Your stay details have been sent to the front desk.',
    'done.lodging.then': 'Please return to the front desk to complete check-in.',
    'done.other.next': 'Please follow the staff’s instructions.',

    'error.card_removed.title': 'The card was removed',
    'error.card_removed.text': 'The card was taken away before the process finished.',
    'error.card_removed.todo': 'Please place the card on the reader again and keep it still until you are told.',
    'error.access_denied.title': 'The card’s chip could not be opened',
    'error.access_denied.text': 'The kiosk could not open the chip with the details printed on the card.',
    'error.access_denied.todo': 'Please hold the QR code on the card to the scanner, then place the card on the reader again. If it still fails, please ask a member of staff.',
    'error.not_genuine.title': 'The card could not be verified',
    'error.not_genuine.text': 'The card’s chip did not pass the authenticity check.',
    'error.not_genuine.todo': 'Please ask a member of staff for help.',
    'error.no_face.title': 'No face seen',
    'error.no_face.text': 'The camera could not see your face clearly.',
    'error.no_face.todo': 'Please stand facing the camera, remove face masks, sunglasses and hats, and place the card again to retry.',
    'error.face_mismatch.title': 'Face does not match',
    'error.face_mismatch.text': 'Your face does not match the photo in the card’s chip.',
    'error.face_mismatch.todo': 'Please ask a member of staff for help.',
    'error.liveness_failed.title': 'Live person not confirmed',
    'error.liveness_failed.text': 'The kiosk did not recognise the requested actions.',
    'error.liveness_failed.todo': 'Please place the card again and follow the on-screen instructions slowly.',
    'error.timeout.title': 'Time is up',
    'error.timeout.text': 'The verification ended because it took too long.',
    'error.timeout.todo': 'Please place the card on the reader again to start over.',
    'error.cancelled.title': 'Cancelled',
    'error.cancelled.text': 'The verification was cancelled. Nothing that was read has been kept.',
    'error.cancelled.todo': 'You can start again by placing your card on the reader.',
    'error.consent_refused.title': 'You did not agree',
    'error.consent_refused.text': 'Nothing that was read has been kept or sent.',
    'error.consent_refused.todo': 'You can complete your procedure at the counter with the help of staff.',
    'error.camera_unavailable.title': 'The camera is not working',
    'error.camera_unavailable.text': 'The kiosk cannot use its camera at the moment.',
    'error.camera_unavailable.todo': 'Please tell a member of staff.',
    'error.reader_unavailable.title': 'The card reader is not working',
    'error.reader_unavailable.text': 'The kiosk cannot reach its card reader at the moment.',
    'error.reader_unavailable.todo': 'Please tell a member of staff.',
    'error.store_failed.title': 'The result could not be saved',
    'error.store_failed.text': 'The kiosk could not save the verification result.',
    'error.store_failed.todo': 'Please tell a member of staff.',
    'error.internal.title': 'Something went wrong',
    'error.internal.text': 'The kiosk ran into an error during verification.',
    'error.internal.todo': 'Please place the card again to retry. If it still fails, please tell a member of staff.'
  };

  /* Consent texts by version. Each has a title, an introduction and a list
   * of points; the purpose point depends on the kiosk's mode. */
  const consent = {
    'vi-2026-01': {
      vi: {
        intro: 'Để tiếp tục, chúng tôi cần bạn đồng ý cho việc xử lý dữ liệu cá nhân dưới đây.',
        points: [
          ['Dữ liệu được thu thập',
           'Thông tin trong chip của thẻ căn cước (như họ tên, số định danh cá nhân, ngày sinh, giới tính, quê quán, nơi thường trú và ảnh chân dung lưu trong chip) và kết quả so khớp khuôn mặt của bạn với ảnh trong chip.'],
          ['Mục đích', '{purpose}'],
          ['Ảnh chụp tại máy',
           'Ảnh khuôn mặt chụp tại máy chỉ dùng để so khớp và kiểm tra người thật, không được lưu lại.'],
          ['Thời gian lưu',
           'Bản ghi được mã hóa và lưu trên máy này chỉ cho đến khi hệ thống của tỉnh xác nhận đã nhận, sau đó được xóa khỏi máy.'],
          ['Quyền của bạn',
           'Bạn có quyền không đồng ý. Khi đó, thông tin vừa đọc sẽ không được lưu và không được gửi đi; bạn vẫn có thể làm thủ tục trực tiếp tại quầy.']
        ],
        purpose: {
          kiosk: 'Xác thực danh tính của bạn để thực hiện thủ tục hành chính và chuyển hồ sơ đến hệ thống giải quyết thủ tục hành chính của tỉnh.',
          clinic: 'Xác thực danh tính của bạn để đăng ký khám bệnh và gửi thông tin đến quầy tiếp đón của cơ sở y tế.',
          'driving-test': 'Xác thực danh tính thí sinh và điểm danh trước khi vào phòng thi sát hạch lái xe.',
          lodging: 'Xác thực danh tính của bạn để làm thủ tục nhận phòng và thông báo lưu trú theo quy định.',
          other: 'Xác thực danh tính của bạn cho thủ tục bạn đang thực hiện tại đây.'
        }
      },
      en: {
        intro: 'To continue, we need your consent to the processing of personal data described below.',
        points: [
          ['Data collected',
           'The information in your ID card’s chip (such as your name, personal identification number, date of birth, sex, place of origin, place of residence and the portrait stored in the chip) and the result of comparing your face with the photo in the chip.'],
          ['Purpose', '{purpose}'],
          ['Photo taken here',
           'The photo of your face taken by this kiosk is used only for the comparison and the live-person check, and is not stored.'],
          ['How long it is kept',
           'The record is encrypted and kept on this kiosk only until the provincial system confirms it has received it; it is then deleted from the kiosk.'],
          ['Your rights',
           'You have the right to decline. If you do, nothing that was read is kept or sent, and you can still complete your procedure at the counter.']
        ],
        purpose: {
          kiosk: 'To verify your identity for an administrative procedure and send your file to the province’s administrative-procedures system.',
          clinic: 'To verify your identity to register you for a medical visit and send your details to the clinic’s reception desk.',
          'driving-test': 'To verify the candidate’s identity and check you in before the driving test.',
          lodging: 'To verify your identity to check you in and make the residence notification required by law.',
          other: 'To verify your identity for the procedure you are doing here.'
        }
      }
    }
  };

  window.KS_I18N = Object.freeze({ languages: ['vi', 'en'], strings: { vi, en }, consent });
})();
